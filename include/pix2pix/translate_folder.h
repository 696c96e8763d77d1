#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pix2pix/metrics.h"
#include "pix2pix/networks.h"
#include "pix2pix/options.h"

namespace pix2pix {

struct DatasetModeChoice {
  std::string mode;    // aligned | folders | single
  std::string reason;  // what in the folder decided it, for the log
};

// Decides how `root` holds its images when --dataset_mode is not given:
//   image files directly inside root          -> single (every image under
//   root, unpaired); root/<phase>/A and root/<phase>/B folders  -> folders (A
//   and B matched by name); a root/<phase> folder                      ->
//   aligned (A|B side by side); image files only in subfolders of root     ->
//   single.
// Throws std::runtime_error naming the folder when it does not exist or holds
// no images.
DatasetModeChoice infer_dataset_mode(const std::filesystem::path& root, const std::string& phase);

struct TranslationReport {
  std::filesystem::path output_dir;
  size_t n_inputs = 0;                                        // after num_test
  size_t n_translated = 0;                                    // outputs written
  std::vector<std::filesystem::path> outputs;                 // written images
  std::vector<std::pair<std::string, std::string>> failures;  // input name, reason
  std::optional<ImageQuality> mean;                           // paired sets only
  double seconds = 0;                                         // loading, translating and writing
  double generator_seconds = 0;                               // inside translate() alone
};

// Translates the inputs of options.dataroot in options.dataset_mode (aligned,
// folders or single; not auto) with `generator` on `device`, in the mode the
// caller set (eval or train):
//   <output_dir>/images/<relative path>/<stem>.<output_format>   one image an
//   input <output_dir>/index.html, page/        input | output (| target) rows
//   <output_dir>/metrics.csv              per-image and mean L1, PSNR, SSIM
//   (paired sets)
// An input that cannot be read or translated is logged by name, counted in
// `failures`, and the rest go on. Throws std::runtime_error before translating
// anything when outputs already exist and options.overwrite is false, or when
// the input folder holds no images.
TranslationReport translate_folder(GeneratorImpl& generator, const Options& options,
                                   const std::filesystem::path& output_dir, torch::Device device);

}  // namespace pix2pix
