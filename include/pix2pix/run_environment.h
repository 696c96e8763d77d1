#pragma once

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>

#include "pix2pix/options.h"

namespace pix2pix {

// While alive, SIGINT and SIGTERM request a clean stop instead of ending the process; a second
// signal acts as usual, so a stuck run can still be interrupted. The previous handlers come back
// on destruction. One at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  int requested() const;  // the signal received, or 0
  static const char* name(int signal);

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// While alive, the default logger writes to the console's sinks and to `file` (appending).
class RunLog {
 public:
  explicit RunLog(const std::filesystem::path& file);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // For the error that ends a run: the caller logs it on the console once; the file gets it here.
  void error_to_file(const std::string& text);

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> file_;
};

// Keeps the host allocator from returning tensor-sized blocks to the system after every use:
// glibc serves blocks above its mmap threshold with fresh pages, so each training step on the
// CPU page-faulted its activations in again (measured: about 2 million faults in a 13-step
// benchmark, a tenth of the step time). Does nothing when the user set MALLOC_MMAP_THRESHOLD_
// or MALLOC_TRIM_THRESHOLD_ (glibc's own knobs), and nothing off glibc.
void tune_host_allocator();

// cuDNN benchmark mode and TF32 on CUDA; logs the device and how it was chosen.
void configure_device(torch::Device device, const Options& options);

// Seconds as H:MM:SS.
std::string format_duration(double seconds);

}  // namespace pix2pix
