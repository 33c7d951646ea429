//! The `jiesu` binary, rebuilt inside the test crate so its tests can start it as a process.

fn main() -> std::process::ExitCode {
    jiesu::cli::main()
}
