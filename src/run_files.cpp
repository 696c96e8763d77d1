#include "pix2pix/run_files.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pix2pix/checkpoint.h"

namespace pix2pix {
namespace fs = std::filesystem;
std::string available_checkpoints(const RunFolder& run) {
  std::string names;
  if (!fs::is_directory(run.root)) return names;
  for (const auto& entry : fs::directory_iterator(run.root)) {
    if (entry.path().extension() != ".pt") continue;
    names += (names.empty() ? "" : ", ") + entry.path().stem().string();
  }
  return names;
}

RunFolder find_run(const std::string& run, const std::string& checkpoints_dir) {
  if (run.empty()) throw std::invalid_argument("no run given; name a run folder or a run name");
  if (fs::is_directory(run)) return RunFolder{fs::path(run)};
  const fs::path under = fs::path(checkpoints_dir) / run;
  if (fs::is_directory(under)) return RunFolder{under};
  throw std::runtime_error("run '" + run + "' not found: neither " + fs::absolute(run).string() +
                           " nor " + fs::absolute(under).string() +
                           " is a folder; give the run folder or set --checkpoints_dir");
}

Options load_run_options(const RunFolder& run) {
  return load_run_resolved_options(run).values;
}

ResolvedOptions load_run_resolved_options(const RunFolder& run) {
  const fs::path file = run.options_file();
  if (!fs::exists(file)) {
    throw std::runtime_error("run folder " + run.root.string() + " has no options.yaml; it is " +
                             "not a pix2pix training run");
  }
  ResolvedOptions resolved;
  apply_config_file(file.string(), resolved);

  // options.yaml notes each value's source as "name: value  # source".
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    const size_t hash = line.rfind("  # ");
    if (colon == std::string::npos || hash == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    const std::string source = line.substr(hash + 4);
    if (source == "default") {
      resolved.sources.erase(name);
    } else if (source == "command line") {
      resolved.sources[name] = OptionSource::CommandLine;
    }
  }
  return resolved;
}

std::vector<std::string> network_differences(const Options& a, const Options& b) {
  std::vector<std::string> out;
  for (const char* name : {"netG", "netD", "ngf", "ndf", "n_layers_D", "norm", "input_nc",
                           "output_nc", "no_dropout"}) {
    const OptionSpec* spec = find_option(name);
    const std::string va = spec->get(a), vb = spec->get(b);
    if (va != vb) out.push_back(std::string(name) + ": " + va + " vs " + vb);
  }
  return out;
}

Generator load_generator(const RunFolder& run, const std::string& epoch, torch::Device device,
                         Options* stored_options) {
  const Options options = load_run_options(run);
  const fs::path file = run.checkpoint(epoch);
  if (!fs::exists(file)) {
    const std::string names = available_checkpoints(run);
    throw std::runtime_error("checkpoint " + file.string() + " does not exist; this run has " +
                             (names.empty() ? std::string("no checkpoints") : names));
  }
  Generator G = make_generator(generator_config(options));
  load_module_from(file, "G", *G, torch::kCPU);
  G->to(device);
  if (stored_options != nullptr) *stored_options = options;
  return G;
}

}  // namespace pix2pix
