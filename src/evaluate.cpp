#include "pix2pix/evaluate.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "pix2pix/model.h"

namespace pix2pix {
namespace {

constexpr double kMaxPsnr = 100.0;  // for identical images

int64_t count(const PairedDataset& dataset, int64_t max_images) {
  const auto n = static_cast<int64_t>(dataset.size());
  return max_images > 0 ? std::min(n, max_images) : n;
}

torch::Tensor resized(const torch::Tensor& image, const torch::Tensor& like) {
  if (image.sizes() == like.sizes()) return image;
  namespace F = torch::nn::functional;
  return F::interpolate(image.unsqueeze(0),
                        F::InterpolateFuncOptions()
                            .size(std::vector<int64_t>{like.size(1), like.size(2)})
                            .mode(torch::kBilinear)
                            .align_corners(false))
      .squeeze(0);
}

// Accumulates one output/target pair ([C, H, W], [-1, 1]).
void add(ImageMetrics& metrics, const torch::Tensor& output, const torch::Tensor& target) {
  const torch::Tensor diff = output.to(torch::kFloat32) - target.to(torch::kFloat32);
  const double l1 = diff.abs().mean().item<double>();
  const double mse = (diff / 2).pow(2).mean().item<double>();  // on the [0, 1] scale
  metrics.mean_l1 += l1;
  metrics.psnr += mse > 0 ? std::min(kMaxPsnr, 10.0 * std::log10(1.0 / mse)) : kMaxPsnr;
  metrics.images += 1;
}

ImageMetrics finish(ImageMetrics metrics) {
  if (metrics.images > 0) {
    metrics.mean_l1 /= static_cast<double>(metrics.images);
    metrics.psnr /= static_cast<double>(metrics.images);
  }
  return metrics;
}

}  // namespace

Options evaluation_options(const Options& options) {
  Options out = options;
  out.no_flip = true;
  return out;
}

ImageMetrics evaluate_generator(GeneratorImpl& generator, const PairedDataset& dataset,
                                torch::Device device, bool eval_mode, int64_t max_images) {
  const bool was_training = generator.is_training();
  generator.train(!eval_mode);
  torch::NoGradGuard no_grad;

  ImageMetrics metrics;
  const int64_t n = count(dataset, max_images);
  for (int64_t i = 0; i < n; ++i) {
    const Sample sample = dataset.get(static_cast<size_t>(i), static_cast<uint64_t>(i));
    const torch::Tensor output =
        generator.forward(sample.real_A.unsqueeze(0).to(device))[0].to(torch::kCPU);
    add(metrics, output, sample.real_B);
  }
  generator.train(was_training);
  return finish(metrics);
}

torch::Tensor mean_target_image(const PairedDataset& dataset, int64_t max_images) {
  torch::Tensor sum;
  const int64_t n = count(dataset, max_images);
  for (int64_t i = 0; i < n; ++i) {
    const torch::Tensor target =
        dataset.get(static_cast<size_t>(i), static_cast<uint64_t>(i)).real_B.to(torch::kFloat64);
    sum = sum.defined() ? sum + resized(target, sum) : target;
  }
  if (!sum.defined()) throw std::runtime_error("mean image of an empty data set");
  return (sum / static_cast<double>(n)).to(torch::kFloat32);
}

ImageMetrics evaluate_constant(const torch::Tensor& image, const PairedDataset& dataset,
                               int64_t max_images) {
  ImageMetrics metrics;
  const int64_t n = count(dataset, max_images);
  for (int64_t i = 0; i < n; ++i) {
    const torch::Tensor target =
        dataset.get(static_cast<size_t>(i), static_cast<uint64_t>(i)).real_B;
    add(metrics, resized(image, target), target);
  }
  return finish(metrics);
}

HeldOutComparison compare_on_held_out(const Options& options, GeneratorImpl& trained,
                                      const std::string& phase, torch::Device device) {
  const Options eval = evaluation_options(options);
  const PairedDataset held_out(eval, phase);
  const PairedDataset train(eval, "train");

  HeldOutComparison result;
  result.phase = phase;
  result.trained = evaluate_generator(trained, held_out, device);

  // The untrained G is rebuilt from the seed; the global generator is left as it was.
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  torch::Tensor rng_state;
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    rng_state = cpu.get_state();
  }
  Generator untrained = make_initial_generator(options);
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_state(rng_state);
  }
  untrained->to(device);
  result.untrained = evaluate_generator(*untrained, held_out, device);

  result.baseline = evaluate_constant(mean_target_image(train), held_out);
  return result;
}

std::string held_out_yaml(const HeldOutComparison& h) {
  std::ostringstream yaml;
  yaml << "phase: " << h.phase << "\nimages: " << h.trained.images << "\n";
  const std::pair<const char*, const ImageMetrics*> rows[] = {
      {"trained", &h.trained}, {"untrained", &h.untrained}, {"mean_image", &h.baseline}};
  for (const auto& [name, m] : rows) {
    yaml << name << "_mean_L1: " << m->mean_l1 << "\n" << name << "_PSNR: " << m->psnr << "\n";
  }
  return yaml.str();
}

}  // namespace pix2pix
