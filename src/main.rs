fn main() -> std::process::ExitCode {
    launchgate::cli::main()
}
