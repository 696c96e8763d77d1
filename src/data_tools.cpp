#include "pix2pix/data_tools.h"

#include <spdlog/spdlog.h>

#include <opencv2/imgproc.hpp>

#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "pix2pix/image_io.h"

namespace fs = std::filesystem;

namespace pix2pix {
namespace {

std::string size_text(cv::Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

std::string relative_stem(const std::string& folder, const std::string& path) {
  return fs::path(path).lexically_relative(folder).replace_extension().generic_string();
}

// User and system CPU time of this process, all threads.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

CombineReport combine_folders(const std::string& dir_a, const std::string& dir_b,
                              const std::string& out) {
  const std::vector<std::string> files_a = list_images(dir_a), files_b = list_images(dir_b);
  std::map<std::string, std::string> by_stem_b;
  for (const auto& path : files_b) by_stem_b.emplace(relative_stem(dir_b, path), path);

  CombineReport report;
  std::map<std::string, bool> used_b;
  for (const auto& path_a : files_a) {
    const std::string stem = relative_stem(dir_a, path_a);
    auto it = by_stem_b.find(stem);
    if (it == by_stem_b.end()) {
      report.problems.push_back(path_a + ": no partner named " + stem + ".* in " + dir_b);
      continue;
    }
    used_b[stem] = true;
    try {
      cv::Mat a = read_image(path_a), b = read_image(it->second);
      if (a.size() != b.size()) {
        report.problems.push_back("size differs: " + path_a + " is " + size_text(a.size()) + ", " +
                                  it->second + " is " + size_text(b.size()));
        continue;
      }
      if (a.depth() != b.depth()) {
        report.problems.push_back("bit depth differs: " + path_a + " and " + it->second);
        continue;
      }
      if (a.channels() == 1 && b.channels() == 3) cv::cvtColor(a, a, cv::COLOR_GRAY2BGR);
      if (b.channels() == 1 && a.channels() == 3) cv::cvtColor(b, b, cv::COLOR_GRAY2BGR);
      cv::Mat pair;
      cv::hconcat(a, b, pair);
      write_image((fs::path(out) / fs::path(path_a).lexically_relative(dir_a)).string(), pair);
      ++report.n_written;
    } catch (const std::exception& e) {
      report.problems.push_back(e.what());
    }
  }
  for (const auto& [stem, path_b] : by_stem_b) {
    if (!used_b.count(stem)) {
      report.problems.push_back(path_b + ": no partner named " + stem + ".* in " + dir_a);
    }
  }
  return report;
}

CheckReport check_dataset(const Options& options, bool mode_given) {
  CheckReport report;
  report.root = options.dataroot;
  std::vector<std::string> phases;
  std::error_code ec;
  if (!fs::is_directory(options.dataroot, ec)) {
    throw std::runtime_error("data set folder not found: " + options.dataroot);
  }
  for (const auto& entry : fs::directory_iterator(options.dataroot, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && !name.empty() && name[0] != '.') phases.push_back(name);
  }
  std::sort(phases.begin(), phases.end());
  if (phases.empty()) {
    report.problems.push_back(options.dataroot +
                              ": no phase folders (expected train/, val/ or test/)");
  }

  for (const auto& phase : phases) {
    Options o = options;
    const fs::path dir = fs::path(options.dataroot) / phase;
    if (!mode_given) {
      const bool folders = fs::is_directory(dir / "A", ec) && fs::is_directory(dir / "B", ec);
      o.dataset_mode = folders ? "folders" : "aligned";
    }
    PhaseReport phase_report;
    phase_report.phase = phase;
    phase_report.mode = o.dataset_mode;
    DatasetFiles files;
    try {
      files = find_dataset_files(o, phase);
    } catch (const std::exception& e) {
      report.problems.push_back(e.what());
      report.phases.push_back(phase_report);
      continue;
    }
    for (const auto& p : files.unpaired_a) report.problems.push_back(p + ": no partner in B/");
    for (const auto& p : files.unpaired_b) report.problems.push_back(p + ": no partner in A/");

    const PairedDataset dataset(o, files);
    const std::vector<ItemReport> items = inspect_all(dataset);
    phase_report.n_items = items.size();
    for (size_t i = 0; i < items.size(); ++i) {
      const ItemReport& item = items[i];
      if (!item.problem.empty()) report.problems.push_back(item.problem);
      if (item.channels_a == 0) continue;  // unreadable
      ++phase_report.sizes[size_text(item.size)];
      std::string channels = std::to_string(item.channels_a);
      if (item.channels_b > 0) channels += "+" + std::to_string(item.channels_b);
      if (item.depth_bits == 16) channels += " (16-bit)";
      ++phase_report.channels[channels];
      if (item.problem.empty() &&
          (item.size.width < o.crop_size || item.size.height < o.crop_size)) {
        report.notes.push_back(dataset.paths()[i] + ": " + size_text(item.size) +
                               " is smaller than crop_size " + std::to_string(o.crop_size) +
                               " and will be upscaled");
      }
    }
    report.phases.push_back(phase_report);
  }
  return report;
}

std::string format_check_report(const CheckReport& report) {
  std::ostringstream out;
  out << "data set " << report.root << "\n";
  for (const auto& phase : report.phases) {
    out << "  " << phase.phase << ": " << phase.n_items << " "
        << (phase.mode == "single" ? "images" : "pairs") << " (" << phase.mode << ")\n";
    out << "    sizes (each side):";
    for (const auto& [size, n] : phase.sizes) out << " " << size << " x" << n;
    out << "\n    channels:";
    for (const auto& [channels, n] : phase.channels) out << " " << channels << " x" << n;
    out << "\n";
  }
  if (!report.notes.empty()) {
    out << report.notes.size() << " note" << (report.notes.size() == 1 ? "" : "s") << ":\n";
    for (const auto& note : report.notes) out << "  " << note << "\n";
  }
  if (report.clean()) {
    out << "no problems found\n";
  } else {
    out << report.problems.size() << " problem" << (report.problems.size() == 1 ? "" : "s")
        << ":\n";
    for (const auto& problem : report.problems) out << "  " << problem << "\n";
  }
  return out.str();
}

LoaderBench bench_loader(std::shared_ptr<const PairedDataset> dataset, Options options,
                         size_t n_threads, double min_seconds) {
  options.num_threads = static_cast<int>(n_threads);
  DataLoader loader(dataset, options, false);
  LoaderBench bench;
  bench.n_threads = n_threads;
  const double cpu_start = process_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t epoch = 1; bench.seconds < min_seconds; ++epoch) {
    loader.start_epoch(epoch);
    while (auto batch = loader.next()) bench.n_pairs += size_t(batch->real_A.size(0));
    bench.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  bench.cpu_seconds = process_cpu_seconds() - cpu_start;
  return bench;
}

void write_bench_images(const std::string& folder, int count, int width, int height) {
  cv::RNG rng(1234);
  for (int i = 0; i < count; ++i) {
    cv::Mat pair(height, 2 * width, CV_8UC3);
    // a smooth gradient, a few filled shapes, then mild noise: JPEG work like a photograph's
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < 2 * width; ++x) {
        pair.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 255 / (2 * width)), uchar(y * 255 / height),
                                             uchar((x + y + 40 * i) % 256));
      }
    }
    for (int s = 0; s < 12; ++s) {
      const cv::Point center(rng.uniform(0, 2 * width), rng.uniform(0, height));
      const cv::Scalar colour(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
      cv::circle(pair, center, rng.uniform(5, height / 3), colour, cv::FILLED, cv::LINE_AA);
    }
    cv::Mat noise(pair.size(), CV_16SC3);
    rng.fill(noise, cv::RNG::NORMAL, 0, 6);
    cv::add(pair, noise, pair, cv::noArray(), CV_8U);
    write_image((fs::path(folder) / "train" / (std::to_string(i) + ".jpg")).string(), pair);
  }
}

}  // namespace pix2pix
