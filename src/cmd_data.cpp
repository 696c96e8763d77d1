#include <spdlog/spdlog.h>
#include <cxxopts.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "pix2pix/cli.h"
#include "pix2pix/commands.h"
#include "pix2pix/data_tools.h"
#include "pix2pix/demo_dataset.h"
#include "pix2pix/image_io.h"

namespace fs = std::filesystem;

namespace pix2pix {
namespace {

const char* kDataUsage =
    "usage: pix2pix data <subcommand> [options]\n"
    "\n"
    "subcommands:\n"
    "  combine --a DIR --b DIR --out DIR   write the aligned layout (A|B) from two folders\n"
    "  check ROOT                          counts, sizes, channels and every problem of a data "
    "set\n"
    "  demo [--out DIR] [FOLDER[=COPYRIGHT] ...]\n"
    "                                      build an edges -> photo data set from photographs\n"
    "  bench [ROOT]                        loader throughput, pairs/s (synthetic JPEGs without "
    "ROOT)\n"
    "  synthetic OUT [--count N] [--size S]\n"
    "                                      write N generated A|B pairs of S x S under OUT/train\n";

// Output folders of the data tools must be new or empty: nothing of the user's is overwritten.
void refuse_non_empty(const std::string& folder) {
  std::error_code ec;
  if (fs::is_directory(folder, ec) && !fs::is_empty(folder, ec)) {
    throw std::runtime_error("output folder " + folder +
                             " is not empty; choose a new folder or empty it first");
  }
}

// Parses a subcommand's own flags; returns false when --help was shown.
bool parse_own(cxxopts::Options& parser, const Args& args, cxxopts::ParseResult& result) {
  std::vector<std::string> argv_text{"pix2pix"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : argv_text) argv.push_back(a.c_str());
  try {
    result = parser.parse(int(argv.size()), argv.data());
  } catch (const cxxopts::exceptions::exception& e) {
    throw std::invalid_argument(std::string(e.what()) + "\n" + parser.help());
  }
  if (result.count("help")) {
    std::cout << parser.help();
    return false;
  }
  return true;
}

int data_combine(const Args& args) {
  cxxopts::Options parser("pix2pix data combine",
                          "A|B files from two folders; pairs matched by name");
  parser.add_options()("h,help", "show this help")("a", "folder of A images",
                                                   cxxopts::value<std::string>())(
      "b", "folder of B images", cxxopts::value<std::string>())("out", "folder for the A|B files",
                                                                cxxopts::value<std::string>());
  // cxxopts takes one-letter names as short options: --a and --b are passed on as -a and -b
  Args own;
  for (const auto& arg : args) {
    if (arg == "--a" || arg == "--b") {
      own.push_back(arg.substr(1));
    } else if (arg.rfind("--a=", 0) == 0 || arg.rfind("--b=", 0) == 0) {
      own.push_back(arg.substr(1, 2));
      own.push_back(arg.substr(4));
    } else {
      own.push_back(arg);
    }
  }
  cxxopts::ParseResult result;
  if (!parse_own(parser, own, result)) return 0;
  for (const char* name : {"a", "b", "out"}) {
    if (!result.count(name)) {
      throw std::invalid_argument(std::string("--") + name + " is required\n" + parser.help());
    }
  }
  const std::string out = result["out"].as<std::string>();
  refuse_non_empty(out);
  const CombineReport report =
      combine_folders(result["a"].as<std::string>(), result["b"].as<std::string>(), out);
  spdlog::info("wrote {} aligned pairs to {}", report.n_written, out);
  if (report.problems.empty()) return 0;
  std::cout << report.problems.size() << " problem" << (report.problems.size() == 1 ? "" : "s")
            << " (pairs skipped):\n";
  for (const auto& problem : report.problems) std::cout << "  " << problem << "\n";
  return 1;
}

int data_check(const Args& args) {
  std::vector<std::string> positional;
  ResolvedOptions options = parse_options("data check", args, kGroupData, &positional);
  if (positional.size() > 1) throw std::invalid_argument("data check takes one ROOT folder");
  if (!positional.empty()) options.values.dataroot = positional.front();
  if (options.values.dataroot.empty()) throw std::invalid_argument("data check needs ROOT");
  const CheckReport report = check_dataset(options.values, options.sources.count("dataset_mode"));
  std::cout << format_check_report(report);
  return report.clean() ? 0 : 1;
}

int data_demo(const Args& args) {
  cxxopts::Options parser("pix2pix data demo",
                          "edges -> photo data set (aligned) from photographs; FOLDER=COPYRIGHT "
                          "names the Debian copyright file of a folder");
  parser.add_options()("h,help", "show this help")(
      "out", "data set folder",
      cxxopts::value<std::string>()->default_value("datasets/edges2photos"))(
      "size", "each side of a pair in pixels", cxxopts::value<int>()->default_value("256"))(
      "scales", "tile scales: short side = scale * size",
      cxxopts::value<std::vector<int>>()->default_value("1,2"))(
      "test_every", "every Nth photo goes to the test set",
      cxxopts::value<int>()->default_value("5"))(
      "format", "jpg or png", cxxopts::value<std::string>()->default_value("jpg"))(
      "tuxpaint", "where tuxpaint-data was extracted (default sources only)",
      cxxopts::value<std::string>()->default_value("datasets/cache/tuxpaint-data"))(
      "force", "rebuild when the data set exists")(
      "black_edges",
      "black edge lines (the official edges2* style) instead of the photo's colours")(
      "folders", "", cxxopts::value<std::vector<std::string>>());
  parser.parse_positional({"folders"});
  cxxopts::ParseResult result;
  if (!parse_own(parser, args, result)) return 0;

  DemoOptions options;
  options.out = result["out"].as<std::string>();
  options.size = result["size"].as<int>();
  options.scales = result["scales"].as<std::vector<int>>();
  options.test_every = result["test_every"].as<int>();
  options.format = result["format"].as<std::string>();
  options.force = result.count("force") > 0;
  options.coloured_edges = result.count("black_edges") == 0;
  if (options.format != "jpg" && options.format != "png") {
    throw std::invalid_argument("--format must be jpg or png, got " + options.format);
  }
  if (result.count("folders")) {
    for (const auto& arg : result["folders"].as<std::vector<std::string>>()) {
      const size_t eq = arg.find('=');
      options.sources.push_back(
          {arg.substr(0, eq), eq == std::string::npos ? "" : arg.substr(eq + 1)});
    }
  } else {
    for (const auto& source : default_photo_sources(result["tuxpaint"].as<std::string>())) {
      std::error_code ec;
      if (fs::is_directory(source.folder, ec)) {
        options.sources.push_back(source);
      } else {
        spdlog::warn("photo folder {} not found: skipped (scripts/demo_data.sh installs it)",
                     source.folder);
      }
    }
  }
  const DemoReport report = build_demo_dataset(options);
  std::cout << "demo data set " << options.out << ": " << report.n_train_pairs << " train pairs";
  if (!report.reused) std::cout << " from " << report.n_train_photos << " photos";
  std::cout << ", " << report.n_test_pairs << " test pairs";
  if (!report.reused) std::cout << " from " << report.n_test_photos << " held-out photos";
  std::cout << (report.reused ? " (existing, kept)" : "") << "\n";
  return 0;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one.empty() ? "unknown" : one + " " + five + " " + fifteen;
}

int data_bench(const Args& args) {
  std::vector<std::string> positional;
  ResolvedOptions resolved = parse_options("data bench", args, kGroupData, &positional);
  Options options = resolved.values;
  std::string synthetic;
  if (!positional.empty()) {
    options.dataroot = positional.front();
  } else if (options.dataroot.empty()) {
    synthetic =
        (fs::temp_directory_path() / ("pix2pix_bench_" + std::to_string(::getpid()))).string();
    write_bench_images(synthetic, 64, 256, 256);
    options.dataroot = synthetic;
  }

  auto dataset = std::make_shared<const PairedDataset>(options, options.phase);
  const size_t n_cores = std::max(1u, std::thread::hardware_concurrency());
  std::cout << "loader benchmark: " << dataset->size() << " pairs from " << options.dataroot
            << (synthetic.empty() ? "" : " (synthetic 512x256 JPEGs)") << ", preprocess "
            << options.preprocess << " " << options.load_size << " -> " << options.crop_size
            << (options.no_flip ? "" : " + flip") << ", batch_size " << options.batch_size
            << ", JPEG decoder " << jpeg_decoder() << "\n"
            << "load average before: " << load_average() << " on " << n_cores << " cores\n";
  bench_loader(dataset, options, 1, 0.5);  // warm-up: page cache, thread pools
  for (size_t threads : {size_t(1), n_cores}) {
    const LoaderBench bench = bench_loader(dataset, options, threads, 3.0);
    std::cout << "  " << threads << " worker" << (threads == 1 ? ": " : "s: ")
              << int(bench.pairs_per_second()) << " pairs/s (" << bench.n_pairs << " pairs in "
              << bench.seconds << " s); " << int(bench.pairs_per_cpu_second())
              << " pairs per CPU-second (" << bench.cpu_seconds << " s of CPU)\n";
  }
  std::cout << "load average after: " << load_average() << "\n";
  if (!synthetic.empty()) {
    std::error_code ec;
    fs::remove_all(synthetic, ec);
  }
  return 0;
}

int data_synthetic(const Args& args) {
  cxxopts::Options parser("pix2pix data synthetic",
                          "generated A|B JPEG pairs under OUT/train, for trying a machine");
  parser.add_options()("h,help", "show this help")("count", "pairs",
                                                   cxxopts::value<int>()->default_value("32"))(
      "size", "edge of each half in pixels", cxxopts::value<int>()->default_value("256"))(
      "out", "folder", cxxopts::value<std::string>());
  parser.parse_positional({"out"});
  cxxopts::ParseResult result;
  if (!parse_own(parser, args, result)) return 0;
  if (!result.count("out")) throw std::invalid_argument("give the OUT folder\n" + parser.help());
  const int count = result["count"].as<int>(), size = result["size"].as<int>();
  if (count < 1 || size < 8)
    throw std::invalid_argument("--count must be 1 or more, --size 8 or more");
  const std::string out = result["out"].as<std::string>();
  refuse_non_empty((fs::path(out) / "train").string());
  write_bench_images(out, count, size, size);
  spdlog::info("wrote {} synthetic {}x{} pairs to {}", count, size, size,
               (fs::path(out) / "train").string());
  return 0;
}

}  // namespace

int command_data(const Args& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << kDataUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string sub = args[0];
  const Args rest(args.begin() + 1, args.end());
  if (sub == "combine") return data_combine(rest);
  if (sub == "check") return data_check(rest);
  if (sub == "demo") return data_demo(rest);
  if (sub == "bench") return data_bench(rest);
  if (sub == "synthetic") return data_synthetic(rest);
  throw std::invalid_argument("unknown data subcommand '" + sub + "'\n" + kDataUsage);
}

}  // namespace pix2pix
