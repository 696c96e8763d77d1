#include "pix2pix/run_setup.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "pix2pix/dataset.h"
#include "pix2pix/device.h"
#include "pix2pix/transforms.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

// Options that may change when a run continues without changing what it computes so far;
// anything else given with --resume is applied with a warning.
bool is_run_identity(const std::string& name) {
  return name == "resume" || name == "overwrite" || name == "name" || name == "checkpoints_dir";
}

ResolvedOptions merge_for_resume(const ResolvedOptions& given, const RunFolder& folder) {
  ResolvedOptions stored = load_run_resolved_options(folder);

  // networks: any explicitly given setting must agree with the stored run
  Options given_networks = stored.values;
  for (const auto& [name, source] : given.sources) {
    const OptionSpec* spec = find_option(name);
    if (spec != nullptr && (spec->groups & kGroupNetwork)) {
      spec->set(given_networks, spec->get(given.values));
    }
  }
  const auto diffs = network_differences(stored.values, given_networks);
  if (!diffs.empty()) {
    std::string list;
    for (const auto& d : diffs) list += "\n  " + d + " (stored vs given)";
    throw std::runtime_error("cannot resume " + folder.root.string() +
                             ": its networks differ from the options given:" + list +
                             "\nresume with no network options, or start a new run with --name");
  }

  for (const auto& [name, source] : given.sources) {
    if (is_run_identity(name) || name == "config") continue;
    const OptionSpec* spec = find_option(name);
    if (spec == nullptr || (spec->groups & kTrainGroups) == 0) continue;
    const std::string value = spec->get(given.values);
    if (value == spec->get(stored.values)) continue;
    spdlog::warn("resume: {} changes from {} to {}", name, spec->get(stored.values), value);
    spec->set(stored.values, value);
    stored.sources[name] = source;
  }
  stored.values.resume = given.values.resume;
  stored.values.overwrite = false;
  return stored;
}

std::shared_ptr<const PairedDataset> check_data(const Options& options) {
  if (options.dataroot.empty() && options.dir_A.empty()) {
    throw std::runtime_error(
        "no data set given: set --dataroot to a folder holding train/, or --dir_A and --dir_B");
  }
  if (options.dir_A.empty() && !fs::is_directory(options.dataroot)) {
    throw std::runtime_error("data root " + options.dataroot +
                             " does not exist or is not a folder; check --dataroot");
  }
  // the training phase is `phase` (train unless given, as in the reference: e.g. trainval)
  auto train = std::make_shared<const PairedDataset>(options, options.phase);
  if (train->size() == 0) {
    throw std::runtime_error("the " + options.phase + " phase of " + train->files().folder +
                             " holds no image pairs; put training images under " +
                             train->files().folder);
  }
  if (options.drop_last && train->size() < size_t(options.batch_size)) {
    throw std::runtime_error("the " + options.phase + " phase of " + train->files().folder +
                             " holds " + std::to_string(train->size()) +
                             " pairs, fewer than batch_size " + std::to_string(options.batch_size) +
                             ", and drop_last would leave no batch; lower batch_size");
  }
  // Every file is read once now, so that a corrupt one stops the run before it starts.
  train->verify();
  return train;
}

void check_writable(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error || !fs::is_directory(folder)) {
    throw std::runtime_error("cannot create the run folder " + folder.string() + ": " +
                             (error ? error.message() : "not a folder") +
                             "; choose another --checkpoints_dir");
  }
  const fs::path probe = folder / ".write_test";
  {
    std::ofstream out(probe);
    out << "ok";
    if (!out) {
      throw std::runtime_error("cannot write in the run folder " + folder.string() +
                               "; check its permissions or choose another --checkpoints_dir");
    }
  }
  fs::remove(probe, error);
}

bool holds_run(const fs::path& folder) {
  if (!fs::is_directory(folder)) return false;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (name == "options.yaml" || name == "losses.csv" || entry.path().extension() == ".pt") {
      return true;
    }
  }
  return false;
}

// Removes what a training run writes, and nothing else.
void remove_run_files(const fs::path& folder) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const fs::path& p = entry.path();
    const std::string name = p.filename().string();
    const bool ours = p.extension() == ".pt" || p.extension() == ".tmp" || name == "options.yaml" ||
                      name == "train.log" || name == "losses.csv" || name == "val.csv" ||
                      name == "index.html" || name == "loss_curves.png" ||
                      name == "val_curves.png" || name == "heldout.yaml" || name == "samples";
    if (ours) fs::remove_all(p);
  }
}

}  // namespace

PreparedRun prepare_run(const ResolvedOptions& given) {
  PreparedRun run;
  if (!given.values.resume.empty()) {
    run.resume = true;
    run.folder = find_run(given.values.resume, given.values.checkpoints_dir);
    if (!fs::exists(run.folder.checkpoint("latest"))) {
      throw std::runtime_error("cannot resume " + run.folder.root.string() +
                               ": it has no latest.pt (the run stopped before its first "
                               "checkpoint); start it again with --overwrite");
    }
    run.options = merge_for_resume(given, run.folder);
  } else {
    if (given.values.name.empty()) throw std::runtime_error("option 'name' must not be empty");
    run.folder = RunFolder{fs::path(given.values.checkpoints_dir) / given.values.name};
    run.options = given;
  }
  validate(run.options.values);
  resolve_device(run.options.values.device);  // throws when CUDA is asked for and absent

  // settings that would only fail inside the first step or after the last, checked first
  const Options& o = run.options.values;
  const int multiple = network_size_multiple(o.netG);
  if (preprocess_crops(o.preprocess) && o.crop_size % multiple != 0) {
    throw std::runtime_error(
        "crop_size " + std::to_string(o.crop_size) + " does not fit netG " + o.netG +
        ", which takes multiples of " + std::to_string(multiple) + "; use crop_size " +
        std::to_string(std::max(multiple, o.crop_size / multiple * multiple)) + " or another netG");
  }
  if (!o.eval_phase.empty()) find_dataset_files(o, o.eval_phase);  // throws naming the folder

  run.train_set = check_data(run.options.values);
  check_writable(run.folder.root);

  if (!run.resume && holds_run(run.folder.root)) {
    if (!given.values.overwrite) {
      if (available_checkpoints(run.folder).empty()) {
        throw std::runtime_error(
            "run folder " + run.folder.root.string() +
            " holds a run that stopped before its first checkpoint, so there is nothing to "
            "resume; start it again with --overwrite, or choose another --name");
      }
      throw std::runtime_error("run folder " + run.folder.root.string() +
                               " already holds a run; continue it with --resume " +
                               run.folder.root.string() +
                               ", start afresh with --overwrite, or choose another --name");
    }
    spdlog::warn("--overwrite: removing the earlier run's files in {}", run.folder.root.string());
    remove_run_files(run.folder.root);
  }
  return run;
}

}  // namespace pix2pix
