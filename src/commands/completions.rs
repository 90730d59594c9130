//! `verdict completions SHELL` and `verdict man`: generated from the same command-line
//! definitions the binary parses, so they never drift from it.

use crate::cli::{Cli, ShellArg};
use clap::CommandFactory;
use clap_complete::Shell;

/// Writes the completion script for `shell` to standard output.
pub fn completions(shell: ShellArg) -> anyhow::Result<()> {
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "verdict", &mut out);
    crate::output::write_stdout_raw(&out)
}

/// Writes the manual page, in roff, to standard output.
pub fn man() -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    crate::output::write_stdout_raw(&out)
}
