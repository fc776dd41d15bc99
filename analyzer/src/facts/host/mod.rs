//! One parser per node command output (df, ip, ifconfig, route, last, multipath, iscsiadm,
//! timedatectl, systemctl, ...), each tolerant of the real variety in the corpus.
