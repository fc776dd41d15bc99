use super::*;

#[test]
fn destinations_name_their_host() {
    for (dest, host) in [
        ("w1", "w1"),
        ("root@10.0.0.7", "10.0.0.7"),
        ("ssh://ops@w2.corp:2222", "w2.corp"),
        ("ssh://[fd00::7]:22", "fd00::7"),
        ("admin@fd00::8", "fd00::8"),
        ("ssh://w3", "w3"),
    ] {
        assert_eq!(SshTarget::parse(dest).unwrap().host, host, "{dest}");
    }
    assert_eq!(
        SshTarget::parse("ssh://ops@w2.corp:2222").unwrap().label,
        "w2.corp:2222"
    );
    assert_eq!(
        SshTarget::parse("ssh://[fd00::7]:22").unwrap().label,
        "fd00::7:22"
    );
    assert_eq!(SshTarget::parse("root@w1").unwrap().label, "w1");
    for bad in ["", "-oProxyCommand=x", "a b", "user@"] {
        assert!(SshTarget::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_hosts_file_takes_one_destination_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hosts");
    std::fs::write(&f, "# workers\nw1\n\n  root@w2  # the db\nssh://w3:2200\n").unwrap();
    let t = read_hosts_file(&f).unwrap();
    let dests: Vec<&str> = t.iter().map(|t| t.dest.as_str()).collect();
    assert_eq!(dests, ["w1", "root@w2", "ssh://w3:2200"]);
    std::fs::write(&f, "w1\nbad host\n").unwrap();
    assert!(read_hosts_file(&f)
        .unwrap_err()
        .to_string()
        .contains("line 2"));
    std::fs::write(&f, "# nothing\n").unwrap();
    assert!(read_hosts_file(&f).is_err());
}

#[test]
fn the_users_options_come_first_and_the_destination_last() {
    let p = Prepared {
        options: SshOptions {
            program: "ssh".into(),
            options: vec!["BatchMode=no".into(), "Port=2222".into()],
            sudo: false,
            remote_binary: "kbundle-collect".into(),
            upload: false,
        },
        targets: Vec::new(),
        node_args: vec!["--since".into(), "2h".into()],
        jobs: 1,
        api_failure: None,
        upload: None,
        upload_failure: None,
    };
    let mut t = SshTarget::parse("root@w1").unwrap();
    let argv = p.argv(&t, Duration::from_secs(600));
    assert_eq!(&argv[..4], ["-o", "BatchMode=no", "-o", "Port=2222"]);
    assert!(argv.contains(&"BatchMode=yes".to_string()));
    assert!(argv.contains(&"ConnectTimeout=30".to_string()));
    let n = argv.len();
    assert_eq!(argv[n - 3], "--");
    assert_eq!(argv[n - 2], "root@w1");
    assert_eq!(
        argv[n - 1],
        "kbundle-collect --host-only -o - -q --since 2h"
    );
    t.api_name = Some("w1.cluster".into());
    let argv = p.argv(&t, Duration::from_secs(5));
    assert!(argv.contains(&"ConnectTimeout=5".to_string()));
    assert!(argv.last().unwrap().ends_with("--node-name w1.cluster"));
}

#[test]
fn stderr_gives_the_identity_and_the_last_words() {
    let state = Arc::new((Mutex::new(Stderr::default()), Condvar::new()));
    let text = format!(
        "Warning: Permanently added 'w1' (ED25519) to the list of known hosts.\n{}{{\"node\":\"w1\",\"hostname\":\"w1.corp\",\"source\":\"host name\"}}\nkbundle-collect: something broke\n",
        crate::run::IDENTITY_PREFIX
    );
    read_stderr(text.as_bytes(), Arc::clone(&state));
    let s = state.0.lock().unwrap();
    assert!(s.ended);
    assert_eq!(s.identity.as_ref().unwrap().hostname, "w1.corp");
    assert_eq!(
        s.lines.iter().collect::<Vec<_>>(),
        ["kbundle-collect: something broke"]
    );
}
