#include <spdlog/spdlog.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <stdexcept>

#include "pix2pix/bench.h"
#include "pix2pix/cli.h"
#include "pix2pix/commands.h"

namespace pix2pix {
namespace {

void print_figures(const BenchFigures& f) {
  std::cout << std::fixed << std::setprecision(2) << "bench: " << f.netG << " " << f.size << "x"
            << f.size << ", batch " << f.batch_size << ", " << f.precision << " on " << f.device
            << " (" << f.n_threads << " intra-op threads), " << f.n_steps << " timed steps\n"
            << "  training:    " << f.train_steps_per_s << " steps/s, " << f.train_images_per_s
            << " images/s; step " << f.step_ms << " ms = data wait " << f.data_wait_ms
            << " + G forward " << f.G_forward_ms << " + D step " << f.D_step_ms << " + G step "
            << f.G_step_ms << "\n"
            << "  translation: " << f.translate_images_per_s << " images/s\n"
            << "  peak memory: host " << f.peak_rss_mb << " MiB";
  if (f.cuda_peak_mb >= 0) std::cout << ", CUDA allocator " << f.cuda_peak_mb << " MiB";
  std::cout << "\n";
}

}  // namespace

int command_bench(const Args& args) {
  const ResolvedOptions resolved =
      parse_options("bench", args, kGroupData | kGroupNetwork | kGroupDevice | kGroupBench);
  const Options& options = resolved.values;

  const BenchFigures figures = run_bench(options);
  print_figures(figures);
  if (!options.bench_json.empty()) {
    std::ofstream out(options.bench_json);
    out << to_json(figures) << "\n";
    if (!out) throw std::runtime_error("cannot write " + options.bench_json + ": check the folder");
    spdlog::info("figures written to {}", options.bench_json);
  }
  return 0;
}

}  // namespace pix2pix
