// `pix2pix import` and `pix2pix export`: generators to and from the reference implementation.
#include <iostream>
#include <stdexcept>

#include "pix2pix/cli.h"
#include "pix2pix/commands.h"
#include "pix2pix/interop.h"

namespace pix2pix {
namespace {

namespace fs = std::filesystem;

const char* kImportUsage =
    "usage: pix2pix import <state_dict.pth> [--name NAME] [--checkpoints_dir DIR] [options]\n"
    "\n"
    "Reads a generator saved by the reference PyTorch implementation (for example\n"
    "latest_net_G.pth of a pretrained pix2pix model) and writes the run folder\n"
    "<checkpoints_dir>/<name>/ (options.yaml, latest.pt) that `pix2pix test` uses.\n"
    "netG, ngf, norm, input_nc and output_nc are read from the file; any given must agree.\n"
    "Files in PyTorch's legacy format (before 1.6) must be re-saved once in Python.\n";

const char* kExportUsage =
    "usage: pix2pix export <run folder or name> [output.pth] [--epoch latest]\n"
    "\n"
    "Writes the run's generator as a state_dict with the reference implementation's names\n"
    "(default <run>/<epoch>_net_G.pth), for Python's torch.load and load_state_dict(strict=True)\n"
    "on the reference's define_G(...) or tests/python/reference_nets.py.\n"
    "TorchScript is not offered: modules of LibTorch's C++ frontend cannot be scripted, so\n"
    "the state_dict and a Python definition of the architecture are what Python users get.\n";

bool wants_help(const Args& args, const char* usage) {
  for (const auto& arg : args) {
    if (arg == "-h" || arg == "--help") {
      std::cout << usage << "\n";
      return true;
    }
  }
  return false;
}

}  // namespace

int command_import(const Args& args) {
  if (wants_help(args, kImportUsage)) parse_options("import", args, kGroupNetwork | kGroupTest);
  std::vector<std::string> positional;
  const ResolvedOptions options =
      parse_options("import", args, kGroupNetwork | kGroupTest, &positional);
  if (positional.size() != 1) {
    throw std::invalid_argument(std::string("import takes one state_dict file\n") + kImportUsage);
  }
  import_generator(positional.front(), options);
  return 0;
}

int command_export(const Args& args) {
  if (wants_help(args, kExportUsage)) parse_options("export", args, kGroupTest);
  std::vector<std::string> positional;
  const ResolvedOptions options = parse_options("export", args, kGroupTest, &positional);
  if (positional.empty() || positional.size() > 2) {
    throw std::invalid_argument(std::string("export takes a run and an optional output file\n") +
                                kExportUsage);
  }
  // a folder, or a run name under checkpoints_dir
  fs::path run = positional[0];
  if (!fs::is_directory(run)) run = fs::path(options.values.checkpoints_dir) / positional[0];
  if (!fs::is_directory(run)) {
    throw std::runtime_error("run '" + positional[0] + "' not found as a folder or under " +
                             options.values.checkpoints_dir);
  }
  const std::string& epoch = options.values.epoch;
  const fs::path output =
      positional.size() == 2 ? fs::path(positional[1]) : run / (epoch + "_net_G.pth");
  export_generator(run, epoch, output);
  return 0;
}

}  // namespace pix2pix
