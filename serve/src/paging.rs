//! `limit` / `continue`: opaque continue tokens that name the last object returned. A token
//! minted for another bundle (or a garbled one) is refused the way a real server refuses a
//! compacted one: 410 Expired, so clients restart the list.

use super::status::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Continue {
    /// The bundle's epoch when the token was made.
    #[serde(rename = "e")]
    pub epoch: u64,
    /// Namespace of the last object returned.
    #[serde(rename = "ns")]
    pub namespace: String,
    /// Name of the last object returned.
    #[serde(rename = "n")]
    pub name: String,
    /// How many times an endless-paging fault wrapped around (0 otherwise).
    #[serde(rename = "w", default)]
    pub wraps: u64,
}

impl Continue {
    /// The opaque token.
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a token; a token of another epoch is expired, an unreadable one is a bad request.
    pub(crate) fn decode(token: &str, epoch: u64) -> Result<Continue, ApiError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|_| ApiError::bad_request("continue key is not valid: not base64"))?;
        let c: Continue = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
        if c.epoch != epoch {
            return Err(ApiError::expired());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_staleness() {
        let c = Continue {
            epoch: 7,
            namespace: "default".into(),
            name: "web-1".into(),
            wraps: 0,
        };
        let t = c.encode();
        assert_eq!(Continue::decode(&t, 7).unwrap(), c);
        assert_eq!(Continue::decode(&t, 8).unwrap_err().code, 410);
        assert_eq!(Continue::decode("%%%", 7).unwrap_err().code, 400);
        assert_eq!(Continue::decode("e30", 7).unwrap_err().code, 400);
    }
}
