//! `kbundle-collect`: see the library for how it works and docs/collector.md for how to use it.

fn main() -> std::process::ExitCode {
    kbundle_collect::run::main()
}
