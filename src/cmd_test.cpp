#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

#include "pix2pix/cli.h"
#include "pix2pix/commands.h"
#include "pix2pix/device.h"
#include "pix2pix/run_files.h"
#include "pix2pix/translate.h"
#include "pix2pix/translate_folder.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

bool given(const ResolvedOptions& resolved, const std::string& name) {
  return resolved.sources.count(name) != 0;
}

// Takes the network's settings from the run, and the data settings the user did
// not give.
void adopt_run_settings(Options& options, const Options& stored, const ResolvedOptions& given_by) {
  options.input_nc = stored.input_nc;
  options.output_nc = stored.output_nc;
  options.netG = stored.netG;
  options.ngf = stored.ngf;
  options.norm = stored.norm;
  options.no_dropout = stored.no_dropout;
  if (!given(given_by, "direction")) options.direction = stored.direction;
}

}  // namespace

// pix2pix test [folder] --name <run>: translates a folder or the test phase of
// a data set with a run's generator.
int command_test(const Args& args) {
  std::vector<std::string> positional;
  const ResolvedOptions resolved =
      parse_options("test", args, kGroupData | kGroupTest | kGroupDevice, &positional);
  Options options = resolved.values;
  if (positional.size() > 1 || (!positional.empty() && given(resolved, "dataroot"))) {
    throw std::invalid_argument("give one input folder, either as an argument or as --dataroot");
  }
  if (!positional.empty()) options.dataroot = positional.front();
  if (options.dataroot.empty() && options.dir_A.empty()) {
    throw std::invalid_argument(
        "no input: pix2pix test <folder> --name <run> "
        "(or --dataroot <data set root>)");
  }
  if (!given(resolved, "phase")) options.phase = "test";
  if (given(resolved, "seed")) torch::manual_seed(options.seed);

  // the generator, built from the run's stored settings
  const RunFolder run = find_run(options.name, options.checkpoints_dir);
  const torch::Device device = resolve_device(options.device);
  Options stored;
  Generator generator = load_generator(run, options.epoch, device, &stored);
  adopt_run_settings(options, stored, resolved);
  check_tile_settings(translate_settings(options), generator->size_multiple());  // before any image
  if (options.eval) {
    generator->eval();
  } else {
    generator->train();  // BatchNorm from each batch, dropout as noise: outputs
                         // vary run to run
  }
  if (options.amp != "none" && !device.is_cuda()) {
    spdlog::warn("amp {} applies on CUDA only; translating in float32 on {}", options.amp,
                 device.str());
  }

  // the layout of the input folder
  if (!given(resolved, "dataset_mode") || options.dataset_mode == "auto") {
    const auto choice = infer_dataset_mode(options.dataroot, options.phase);
    options.dataset_mode = choice.mode;
    spdlog::info("dataset_mode {}: {} (--dataset_mode to choose another)", choice.mode,
                 choice.reason);
  }

  const fs::path output_dir =
      fs::path(options.results_dir) / run.root.filename() / (options.phase + "_" + options.epoch);
  spdlog::info("translating {} ({}) with {} epoch {} on {}, {} mode, batch {}{}", options.dataroot,
               options.dataset_mode, run.root.string(), options.epoch, device.str(),
               options.eval ? "eval" : "train", options.batch_size,
               options.tile > 0 ? ", tiles of " + std::to_string(options.tile) : "");

  const TranslationReport report = translate_folder(*generator, options, output_dir, device);

  // the summary
  spdlog::info(
      "{} of {} images translated into {} in {:.2f} s: {:.2f} images/s "
      "({:.2f} images/s in the generator)",
      report.n_translated, report.n_inputs, (output_dir / "images").string(), report.seconds,
      report.n_translated / std::max(report.seconds, 1e-9),
      report.n_translated / std::max(report.generator_seconds, 1e-9));
  if (report.mean) {
    spdlog::info("mean L1 {:.4f}, PSNR {:.2f} dB, SSIM {:.4f} (per image: {})", report.mean->l1,
                 report.mean->psnr, report.mean->ssim, (output_dir / "metrics.csv").string());
  }
  spdlog::info("results page: {}", (output_dir / "index.html").string());
  if (!report.failures.empty()) {
    spdlog::error("{} of {} inputs failed:", report.failures.size(), report.n_inputs);
    for (const auto& [name, reason] : report.failures) spdlog::error("  {}: {}", name, reason);
    return 1;
  }
  return 0;
}

}  // namespace pix2pix
