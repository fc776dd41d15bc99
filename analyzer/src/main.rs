fn main() {
    eprintln!("kbundle: not built yet");
    std::process::exit(2);
}
