//! `kbundle-collect`: see the library for how it works and docs/collector.md for how to use it.

fn main() -> std::process::ExitCode {
    if let Some(done) = kbundle_collect::cli::print_generated() {
        return done;
    }
    kbundle_collect::run::main()
}
