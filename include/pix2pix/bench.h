#pragma once

#include <cstdint>
#include <string>

#include "pix2pix/options.h"

namespace pix2pix {

// Speed of one setting (device, batch size, crop size, precision), after warm-up. Times are
// per step in milliseconds, each phase closed by a device synchronisation on CUDA. Data wait is
// the wait for the loader's batch and its copy to the device.
struct BenchFigures {
  std::string implementation = "pix2pix-cpp";
  std::string device;     // cpu, cuda:0, ...
  std::string precision;  // fp32 | tf32 | bf16 | fp16
  std::string netG;
  int64_t batch_size = 0;
  int64_t size = 0;       // crop size: images are size x size
  int64_t n_threads = 0;  // intra-op threads
  int64_t n_steps = 0;

  // training: a step is data wait + G forward + D step + G step
  double data_wait_ms = 0;
  double G_forward_ms = 0;
  double D_step_ms = 0;
  double G_step_ms = 0;
  double step_ms = 0;
  double train_steps_per_s = 0;
  double train_images_per_s = 0;

  // translation: the generator in eval mode, no gradients, a batch of batch_size images
  double translate_images_per_s = 0;

  double peak_rss_mb = 0;    // host resident set, high-water mark of the process
  double cuda_peak_mb = -1;  // CUDA caching allocator's peak allocation; -1 off CUDA
};

// Trains G and D from options (netG, ngf, norm, ... at crop_size) for bench_warmup + bench_steps
// steps, fed by the data loader with options.num_threads workers from options.dataroot (or,
// when empty, from synthetic JPEG pairs written to a temporary folder and removed afterwards),
// then translates bench_warmup + bench_steps batches. Throws what training throws.
BenchFigures run_bench(const Options& options);

// One JSON object with every field of `figures`.
std::string to_json(const BenchFigures& figures);

// The process's resident-set high-water mark in MiB (VmHWM), 0 where /proc is absent.
double peak_rss_mb();

}  // namespace pix2pix
