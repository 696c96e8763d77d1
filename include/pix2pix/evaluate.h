#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "pix2pix/dataset.h"
#include "pix2pix/networks.h"
#include "pix2pix/options.h"

namespace pix2pix {

// Mean L1 distance (on the [-1, 1] scale, as in the training loss, without lambda) and mean PSNR
// (dB, on the [0, 1] scale) between outputs and real B over a data set.
struct ImageMetrics {
  double mean_l1 = 0.0;
  double psnr = 0.0;
  int64_t images = 0;
};

// Options for reading an evaluation phase: the training options without random flips.
Options evaluation_options(const Options& options);

// G on each pair of `dataset` (one image at a time, sample i drawn with seed i), in eval mode
// unless `eval_mode` is false; G's mode is restored afterwards. `max_images` 0: all.
ImageMetrics evaluate_generator(GeneratorImpl& generator, const PairedDataset& dataset,
                                torch::Device device, bool eval_mode = true,
                                int64_t max_images = 0);

// The mean of real B over `dataset` ([output_nc, H, W]); images of another size are resized.
torch::Tensor mean_target_image(const PairedDataset& dataset, int64_t max_images = 0);

// The same metrics for one constant output image (resized to each target's size).
ImageMetrics evaluate_constant(const torch::Tensor& image, const PairedDataset& dataset,
                               int64_t max_images = 0);

// Whether G learned: on a held-out phase, the trained G against the untrained G of the same
// seed and against the mean training target image.
struct HeldOutComparison {
  std::string phase;
  ImageMetrics trained;
  ImageMetrics untrained;
  ImageMetrics baseline;
};

// Throws naming the folder when the phase has no pairs.
HeldOutComparison compare_on_held_out(const Options& options, GeneratorImpl& trained,
                                      const std::string& phase, torch::Device device);

// The comparison as YAML: phase, images, then mean L1 and PSNR of trained, untrained, mean_image.
std::string held_out_yaml(const HeldOutComparison& comparison);

}  // namespace pix2pix
