#pragma once

#include <string>
#include <vector>

namespace pix2pix {

// One function a subcommand; each takes the arguments after the subcommand's name, parses them
// with parse_options, and returns the exit status. Errors are thrown, and run_cli reports them.
using Args = std::vector<std::string>;

int command_train(const Args& args);   // cmd_train.cpp
int command_test(const Args& args);    // cmd_test.cpp (also `translate`)
int command_data(const Args& args);    // cmd_data.cpp: combine | check | demo
int command_import(const Args& args);  // cmd_interop.cpp
int command_export(const Args& args);  // cmd_interop.cpp
int command_bench(const Args& args);   // cmd_bench.cpp

}  // namespace pix2pix
