#include "pix2pix/run_environment.h"

#include <cstdio>
#include <cstdlib>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace pix2pix {
namespace {

// A signal handler may only touch a lock-free flag, so this one piece of state is global.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
}

}  // namespace

StopSignals::StopSignals() {
  g_stop_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the second signal takes the default action
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

int StopSignals::requested() const {
  return g_stop_signal;
}

const char* StopSignals::name(int signal) {
  return signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "signal";
}

RunLog::RunLog(const std::filesystem::path& file)
    : previous_(spdlog::default_logger()),
      file_(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), false)) {
  auto sinks = previous_->sinks();
  sinks.push_back(file_);
  auto logger = std::make_shared<spdlog::logger>("pix2pix", sinks.begin(), sinks.end());
  logger->set_level(previous_->level());
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

RunLog::~RunLog() {
  spdlog::set_default_logger(previous_);
}

void RunLog::error_to_file(const std::string& text) {
  file_->log(spdlog::details::log_msg("pix2pix", spdlog::level::err, text));
  file_->flush();
}

void tune_host_allocator() {
#ifdef __GLIBC__
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr) {
    return;
  }
  // 32 MiB is the largest mmap threshold glibc takes on 64-bit systems; the heap's free top is
  // kept up to 1 GiB instead of being trimmed back after each step.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

void configure_device(torch::Device device, const Options& options) {
  if (!device.is_cuda()) {
    spdlog::info("device: cpu (--device {}), {} threads", options.device, torch::get_num_threads());
    return;
  }
  at::globalContext().setBenchmarkCuDNN(true);
  at::globalContext().setAllowTF32CuDNN(options.tf32);
  at::globalContext().setAllowTF32CuBLAS(options.tf32);
  spdlog::info("device: {} (--device {}); cuDNN benchmark on, TF32 {}, amp {}, channels_last {}",
               device.str(), options.device, options.tf32 ? "on" : "off", options.amp,
               options.channels_last);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(seconds);
  char text[32];
  std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return text;
}

}  // namespace pix2pix
