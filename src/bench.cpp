#include "pix2pix/bench.h"

#include <ATen/DeviceAccelerator.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <unistd.h>

#include "pix2pix/data_tools.h"
#include "pix2pix/dataset.h"
#include "pix2pix/device.h"
#include "pix2pix/model.h"
#include "pix2pix/run_environment.h"
#include "pix2pix/translate.h"

namespace fs = std::filesystem;

namespace pix2pix {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Closes a timed phase: on CUDA the kernels queued so far must finish before the clock is read.
void sync(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

std::string precision_name(const Options& options, torch::Device device) {
  if (!device.is_cuda()) return "fp32";  // amp and TF32 act on CUDA only
  if (options.amp != "none") return options.amp;
  return options.tf32 ? "tf32" : "fp32";
}

// Removes the synthetic data set on every way out.
struct TemporaryFolder {
  fs::path path;
  ~TemporaryFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

void bench_training(const Options& options, torch::Device device, BenchFigures& figures) {
  auto dataset = std::make_shared<const PairedDataset>(options, options.phase);
  DataLoader loader(dataset, options, /*pin_memory=*/device.is_cuda());
  Pix2PixModel model(make_initial_generator(options), make_initial_discriminator(options), options,
                     device);

  int64_t epoch = 1;
  loader.start_epoch(epoch);
  const int64_t n_total = options.bench_warmup + options.bench_steps;
  for (int64_t step = 0; step < n_total; ++step) {
    const bool timed = step >= options.bench_warmup;

    const auto t_start = Clock::now();
    std::optional<Batch> batch = loader.next();
    if (!batch) {
      loader.start_epoch(++epoch);
      batch = loader.next();
    }
    model.set_input(batch->real_A, batch->real_B);  // the copy to the device counts as data
    sync(device);
    const double wait = ms_since(t_start);

    auto t = Clock::now();
    model.forward();
    sync(device);
    const double forward = ms_since(t);

    t = Clock::now();
    model.optimize_D();
    sync(device);
    const double d_step = ms_since(t);

    t = Clock::now();
    model.optimize_G();
    sync(device);
    const double g_step = ms_since(t);
    const double total = ms_since(t_start);

    if (!timed) continue;
    figures.data_wait_ms += wait;
    figures.G_forward_ms += forward;
    figures.D_step_ms += d_step;
    figures.G_step_ms += g_step;
    figures.step_ms += total;
  }

  const double n = double(options.bench_steps);
  for (double* value : {&figures.data_wait_ms, &figures.G_forward_ms, &figures.D_step_ms,
                        &figures.G_step_ms, &figures.step_ms}) {
    *value /= n;
  }
  figures.train_steps_per_s = 1000.0 / figures.step_ms;
  figures.train_images_per_s = figures.train_steps_per_s * double(options.batch_size);
  const torch::Tensor losses = model.losses().cpu();
  if (!torch::isfinite(losses).all().item<bool>()) {
    throw std::runtime_error("benchmark training gave a non-finite loss (" +
                             std::to_string(losses.sum().item<double>()) +
                             "); with --amp fp16 try bf16, or lower --lr");
  }
}

void bench_translation(const Options& options, torch::Device device, BenchFigures& figures) {
  Generator G = make_initial_generator(options);
  G->to(device);
  G->eval();
  const TranslateSettings settings = translate_settings(options);
  // [N, input_nc, size, size] in [-1, 1]; translate() itself turns gradients off, as in `test`
  const torch::Tensor images =
      torch::rand({options.batch_size, options.input_nc, options.crop_size, options.crop_size})
          .mul(2)
          .sub(1)
          .to(device);

  Clock::time_point start;
  for (int64_t step = 0; step < options.bench_warmup + options.bench_steps; ++step) {
    if (step == options.bench_warmup) {
      sync(device);
      start = Clock::now();
    }
    translate(*G, images, settings, device);
  }
  sync(device);
  figures.translate_images_per_s =
      double(options.bench_steps * options.batch_size) / (ms_since(start) / 1000.0);
}

}  // namespace

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "... kB"
  }
  return 0;
}

BenchFigures run_bench(const Options& given) {
  Options options = given;
  options.drop_last = true;  // every timed batch is full
  const torch::Device device = resolve_device(options.device);
  configure_device(device, options);

  TemporaryFolder synthetic;
  if (options.dataroot.empty() && options.dir_A.empty()) {
    synthetic.path = fs::temp_directory_path() / ("pix2pix_bench_" + std::to_string(::getpid()));
    // 256 x 256 halves, as in the official data sets; enough pairs that the timed steps stay
    // in one epoch, so that no step waits for the workers to start again
    const int n_pairs = options.batch_size * (options.bench_warmup + options.bench_steps + 1);
    write_bench_images(synthetic.path.string(), n_pairs, 256, 256);
    options.dataroot = synthetic.path.string();
    options.phase = "train";
  }

  BenchFigures figures;
  figures.device = device.str();
  figures.precision = precision_name(options, device);
  figures.netG = options.netG;
  figures.batch_size = options.batch_size;
  figures.size = options.crop_size;
  figures.n_threads = torch::get_num_threads();
  figures.n_steps = options.bench_steps;
  if (device.is_cuda()) at::accelerator::resetPeakStats(device.index());

  bench_training(options, device, figures);
  bench_translation(options, device, figures);

  figures.peak_rss_mb = peak_rss_mb();
  if (device.is_cuda()) {
    const auto stats = at::accelerator::getDeviceStats(device.index());
    const auto aggregate = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    figures.cuda_peak_mb = double(stats.allocated_bytes[aggregate].peak) / (1024.0 * 1024.0);
  }
  return figures;
}

std::string to_json(const BenchFigures& f) {
  std::ostringstream out;
  out.precision(6);
  out << "{\"implementation\": \"" << f.implementation << "\", \"device\": \"" << f.device
      << "\", \"precision\": \"" << f.precision << "\", \"netG\": \"" << f.netG
      << "\", \"batch_size\": " << f.batch_size << ", \"size\": " << f.size
      << ", \"n_threads\": " << f.n_threads << ", \"n_steps\": " << f.n_steps
      << ", \"data_wait_ms\": " << f.data_wait_ms << ", \"G_forward_ms\": " << f.G_forward_ms
      << ", \"D_step_ms\": " << f.D_step_ms << ", \"G_step_ms\": " << f.G_step_ms
      << ", \"step_ms\": " << f.step_ms << ", \"train_steps_per_s\": " << f.train_steps_per_s
      << ", \"train_images_per_s\": " << f.train_images_per_s
      << ", \"translate_images_per_s\": " << f.translate_images_per_s
      << ", \"peak_rss_mb\": " << f.peak_rss_mb << ", \"cuda_peak_mb\": " << f.cuda_peak_mb << "}";
  return out.str();
}

}  // namespace pix2pix
