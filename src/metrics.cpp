#include "pix2pix/metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace pix2pix {
namespace {

constexpr int64_t kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kC1 = (0.01 * 255) * (0.01 * 255);
constexpr double kC2 = (0.03 * 255) * (0.03 * 255);

std::string shape_text(const torch::Tensor& t) {
  std::string out = "[";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + "]";
}

void check_pair(const torch::Tensor& output, const torch::Tensor& target, const char* what) {
  if (output.dim() != 3 || target.dim() != 3 || output.sizes() != target.sizes()) {
    throw std::invalid_argument(std::string(what) +
                                " needs two [C, H, W] images of one shape; got " +
                                shape_text(output) + " and " + shape_text(target));
  }
}

// Normalised 1-D Gaussian [11] in float64; the 2-D window is its outer product.
torch::Tensor gaussian_window() {
  auto x = torch::arange(kWindow, torch::kFloat64) - (kWindow - 1) / 2.0;
  auto g = torch::exp(-(x * x) / (2 * kSigma * kSigma));
  return g / g.sum();
}

}  // namespace

torch::Tensor to_8bit_values(const torch::Tensor& image) {
  return torch::round((image.to(torch::kFloat64) + 1) * 127.5).clamp(0, 255);
}

double l1_distance(const torch::Tensor& output, const torch::Tensor& target) {
  check_pair(output, target, "L1");
  return (output.to(torch::kFloat64) - target.to(torch::kFloat64)).abs().mean().item<double>();
}

double psnr(const torch::Tensor& output, const torch::Tensor& target) {
  check_pair(output, target, "PSNR");
  const double mse = (to_8bit_values(output) - to_8bit_values(target)).pow(2).mean().item<double>();
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(255.0 * 255.0 / mse);
}

double ssim(const torch::Tensor& output, const torch::Tensor& target) {
  check_pair(output, target, "SSIM");
  if (output.size(1) < kWindow || output.size(2) < kWindow) {
    throw std::invalid_argument("SSIM needs images of at least 11x11 pixels; got " +
                                std::to_string(output.size(2)) + "x" +
                                std::to_string(output.size(1)));
  }

  // Channels become the batch so that one window serves them all: [C, 1, H, W].
  const auto x = to_8bit_values(output).cpu().unsqueeze(1);
  const auto y = to_8bit_values(target).cpu().unsqueeze(1);
  // The separable window, as weighted sums of shifted views (columns, then rows): cheaper than
  // a float64 convolution, which LibTorch runs through a generic path.
  const auto g = gaussian_window();
  const auto taps = g.accessor<double, 1>();
  auto blur_along = [&taps](const torch::Tensor& t, int64_t dim) {
    const int64_t n = t.size(dim) - kWindow + 1;
    auto out = t.narrow(dim, 0, n) * taps[0];
    for (int64_t k = 1; k < kWindow; ++k) out.add_(t.narrow(dim, k, n), taps[k]);
    return out;
  };
  auto blur = [&](const torch::Tensor& t) { return blur_along(blur_along(t, 2), 3); };

  const auto mu_x = blur(x), mu_y = blur(y);
  const auto var_x = blur(x * x) - mu_x * mu_x;
  const auto var_y = blur(y * y) - mu_y * mu_y;
  const auto cov = blur(x * y) - mu_x * mu_y;
  const auto map = ((2 * mu_x * mu_y + kC1) * (2 * cov + kC2)) /
                   ((mu_x * mu_x + mu_y * mu_y + kC1) * (var_x + var_y + kC2));
  // [C, 1, H - 10, W - 10]: mean per channel, then over channels (equal sizes make these one).
  return map.mean().item<double>();
}

ImageQuality compare_images(const torch::Tensor& output, const torch::Tensor& target) {
  ImageQuality m;
  m.l1 = l1_distance(output, target);
  m.psnr = psnr(output, target);
  const bool fits = output.size(1) >= kWindow && output.size(2) >= kWindow;
  m.ssim = fits ? ssim(output, target) : std::numeric_limits<double>::quiet_NaN();
  return m;
}

}  // namespace pix2pix
