//! The `jiesu` binary: everything lives in the library, so tests can run the same code in-process.

fn main() -> std::process::ExitCode {
    jiesu::cli::main()
}
