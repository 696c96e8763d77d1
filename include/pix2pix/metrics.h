#pragma once

#include <torch/torch.h>

namespace pix2pix {

// Image quality measures between an output and its target, each [C, H, W] in [-1, 1] (the
// networks' range), the same shape. Convention:
//   L1    mean absolute difference in [-1, 1] units, as the training L1 loss measures it;
//   PSNR  and SSIM on the 8-bit images the files hold: values are mapped to [0, 255] and rounded
//         first, so the figures match what a reader of the written PNGs would compute.
// Each throws std::invalid_argument naming both shapes when they differ or are not [C, H, W].

double l1_distance(const torch::Tensor& output, const torch::Tensor& target);

// Peak signal-to-noise ratio in dB with peak 255, over all pixels and channels; +infinity for
// identical images.
double psnr(const torch::Tensor& output, const torch::Tensor& target);

// Structural similarity (Wang et al. 2004): 11x11 Gaussian window with sigma 1.5, K1 0.01,
// K2 0.03, dynamic range 255, window positions fully inside the image ("valid"), population
// (not sample) variances; the mean over positions, then over channels. 1 for identical images.
// Needs H and W of at least 11; throws std::invalid_argument naming the size otherwise.
double ssim(const torch::Tensor& output, const torch::Tensor& target);

struct ImageQuality {
  double l1 = 0;
  double psnr = 0;
  double ssim = 0;  // NaN when the image is smaller than the SSIM window
};

// All three; SSIM is NaN (not an error) for images under 11 pixels on a side.
ImageQuality compare_images(const torch::Tensor& output, const torch::Tensor& target);

// [-1, 1] -> the 8-bit values a written image holds, as float64: round((x + 1) * 127.5), clamped.
torch::Tensor to_8bit_values(const torch::Tensor& image);

}  // namespace pix2pix
