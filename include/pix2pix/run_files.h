#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "pix2pix/networks.h"
#include "pix2pix/options.h"

namespace pix2pix {

// The folder a training run writes: <checkpoints_dir>/<name>/
//   options.yaml          effective options with their sources
//   train.log             the console's lines
//   losses.csv            per-step losses
//   samples/              real A | fake B | real B images
//   index.html            the run's report page
//   latest.pt, <epoch>.pt checkpoints (G, D, optimisers, scheduler, counters, RNG, options)
struct RunFolder {
  std::filesystem::path root;

  std::filesystem::path options_file() const { return root / "options.yaml"; }
  std::filesystem::path checkpoint(const std::string& epoch) const {
    return root / (epoch + ".pt");
  }
};

// The checkpoints in the run folder (latest, 1, 2, ...), comma-separated; empty when it has none.
std::string available_checkpoints(const RunFolder& run);

// Resolves a run given as a folder, or as a name under `checkpoints_dir`.
// Throws naming both places tried when neither exists.
RunFolder find_run(const std::string& run, const std::string& checkpoints_dir);

// Reads the options a run was trained with (its options.yaml).
Options load_run_options(const RunFolder& run);

// Loads the generator of checkpoint `epoch` ("latest" or a number) built from the run's stored
// options, on `device`. Throws naming the file when it is missing or corrupt, and naming the
// setting that differs when the weights do not fit the stored network settings.
Generator load_generator(const RunFolder& run, const std::string& epoch, torch::Device device,
                         Options* stored_options = nullptr);

// The run's options together with the source each value had when the run started (read back
// from the comments of options.yaml; a value without one counts as from the config file).
ResolvedOptions load_run_resolved_options(const RunFolder& run);

// The settings that decide the networks' shapes (netG, netD, ngf, ndf, n_layers_D, norm,
// input_nc, output_nc, no_dropout), as "name: a vs b" for each that differs.
std::vector<std::string> network_differences(const Options& a, const Options& b);

}  // namespace pix2pix
