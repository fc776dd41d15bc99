fn main() {
    eprintln!("kbundle-collect: not built yet");
    std::process::exit(2);
}
