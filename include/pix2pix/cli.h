#pragma once

#include <string>
#include <vector>

#include "pix2pix/options.h"

namespace pix2pix {

// Entry point of the `pix2pix` binary: parses the subcommand and its options, runs it, and turns
// exceptions into a logged error and a non-zero exit status.
int run_cli(int argc, char** argv);

// Parses `args` (options only, no program or subcommand name) for the option groups of a
// subcommand: defaults, then the --config file, then the command line. Hyphenated option names
// are accepted as underscores. Positional arguments are returned through `positional` when given.
// Throws std::invalid_argument with the usage on unknown options.
ResolvedOptions parse_options(const std::string& command, const std::vector<std::string>& args,
                              unsigned groups, std::vector<std::string>* positional = nullptr);

}  // namespace pix2pix
