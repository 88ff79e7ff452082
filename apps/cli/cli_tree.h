// The command tree as CLI11 holds it, flattened for the generators of shell
// completion and the man page (completion_commands.cc): every command path
// with its options, so neither keeps its own list of commands.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace custody::cli {

struct OptionInfo {
  std::vector<std::string> names;  // "--vault", "-q", ...; empty for a positional
  std::string positional;          // the positional's name, else ""
  std::string value;               // the value's name ("TEXT", "INT") or "" for a flag
  std::string description;
  bool required = false;
  bool many = false;  // takes several values (a positional FILE...)
};

struct CommandInfo {
  std::string path;  // "" for custody itself, "grant add", ...
  std::string description;
  std::vector<std::string> subcommands;  // the names directly below
  std::vector<OptionInfo> options;       // this command's own (not the global ones)
};

// Every command under `root` (root first, then depth-first in the order
// CLI11 holds them), skipping hidden ones (empty group).
std::vector<CommandInfo> CommandTree(const CLI::App& root);

}  // namespace custody::cli
