//! `kbundle-collect`: gathers a node's and a cluster's state into one redacted bundle.
