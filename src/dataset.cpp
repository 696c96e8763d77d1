#include "pix2pix/dataset.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

#include "pix2pix/image_io.h"
#include "pix2pix/transform_tensor.h"
#include "pix2pix/transforms.h"

namespace fs = std::filesystem;

namespace pix2pix {
namespace {

std::string size_text(cv::Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

// The folders under `root`, for an error message that shows what is there instead.
std::string list_subfolders(const std::string& root) {
  std::vector<std::string> names;
  std::error_code ec;
  if (fs::is_directory(root, ec)) {
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      if (entry.is_directory(ec)) names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text.empty() ? "none" : text;
}

std::vector<std::string> images_or_throw(const std::string& folder, const std::string& what) {
  std::vector<std::string> paths = list_images(folder);
  if (paths.empty()) {
    throw std::runtime_error("no images in " + folder + " (" + what +
                             "; looked for jpg, jpeg, png, bmp, ppm, tif, tiff, webp)");
  }
  return paths;
}

// Relative path without extension: the key that pairs A/x.jpg with B/x.png.
std::string stem_key(const std::string& folder, const std::string& path) {
  fs::path relative = fs::path(path).lexically_relative(folder);
  return relative.replace_extension().generic_string();
}

std::map<std::string, std::string> by_stem(const std::string& folder,
                                           const std::vector<std::string>& paths) {
  std::map<std::string, std::string> map;
  for (const auto& path : paths) {
    auto [it, inserted] = map.emplace(stem_key(folder, path), path);
    if (!inserted) {
      throw std::runtime_error("two images in " + folder + " share the name " + it->first + ": " +
                               it->second + " and " + path +
                               "; pairs are matched by name, so rename one");
    }
  }
  return map;
}

std::string join_names(const std::vector<std::string>& paths, const std::string& folder) {
  std::string text;
  for (const auto& p : paths) {
    text += (text.empty() ? "" : ", ") + fs::path(p).lexically_relative(folder).generic_string();
  }
  return text;
}

// Pairs the images of two folders by stem into `files` (a, b, unpaired_a, unpaired_b).
void pair_by_stem(const std::string& dir_a, const std::string& dir_b, DatasetFiles& files) {
  const auto map_a = by_stem(dir_a, images_or_throw(dir_a, "folders mode: the A images"));
  const auto map_b = by_stem(dir_b, images_or_throw(dir_b, "folders mode: the B images"));
  for (const auto& [key, path] : map_a) {
    auto it = map_b.find(key);
    if (it == map_b.end()) {
      files.unpaired_a.push_back(path);
    } else {
      files.a.push_back(path);
      files.b.push_back(it->second);
    }
  }
  for (const auto& [key, path] : map_b) {
    if (map_a.count(key) == 0) files.unpaired_b.push_back(path);
  }
}

}  // namespace

uint64_t sample_seed(uint64_t seed, int64_t epoch, size_t index) {
  return mix_seed(seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(index));
}

DatasetFiles find_dataset_files(const Options& options, const std::string& phase) {
  if (!options.dir_A.empty() && !options.dir_B.empty()) {
    // two folders given: they stand for every phase
    DatasetFiles files;
    files.mode = "folders";
    fs::path a = fs::path(options.dir_A).lexically_normal();
    if (!a.has_filename()) a = a.parent_path();  // a trailing slash
    files.folder = a.has_parent_path() ? a.parent_path().string() : ".";
    std::error_code ec;
    for (const auto& [dir, option] :
         {std::pair{options.dir_A, "dir_A"}, {options.dir_B, "dir_B"}}) {
      if (!fs::is_directory(dir, ec)) {
        throw std::runtime_error("folder " + dir + " not found; check --" + option);
      }
    }
    pair_by_stem(options.dir_A, options.dir_B, files);
    return files;
  }
  if (options.dataroot.empty()) {
    throw std::runtime_error("option 'dataroot' is empty: give the data set folder");
  }
  const fs::path root(options.dataroot);
  const fs::path phase_dir = root / phase;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw std::runtime_error("data set folder not found: " + root.string());
  }

  DatasetFiles files;
  files.mode = options.dataset_mode;
  if (files.mode == "auto") {
    if (fs::is_directory(phase_dir / "A", ec) && fs::is_directory(phase_dir / "B", ec)) {
      files.mode = "folders";
    } else {
      files.mode = fs::is_directory(phase_dir, ec) ? "aligned" : "single";
    }
  }

  if (files.mode == "single") {
    files.folder = fs::is_directory(phase_dir, ec) ? phase_dir.string() : root.string();
    files.a = images_or_throw(files.folder, "single mode: the images to translate");
    return files;
  }

  files.folder = phase_dir.string();
  if (!fs::is_directory(phase_dir, ec)) {
    throw std::runtime_error("phase folder " + phase_dir.string() + " not found (phase '" + phase +
                             "'; folders in " + root.string() + ": " + list_subfolders(root) + ")");
  }
  if (files.mode == "aligned") {
    files.a = images_or_throw(files.folder, "aligned mode: A|B side by side in each file");
    return files;
  }

  // folders: A/ and B/ matched by stem
  const std::string dir_a = (phase_dir / "A").string(), dir_b = (phase_dir / "B").string();
  for (const auto& dir : {dir_a, dir_b}) {
    if (!fs::is_directory(dir, ec)) {
      throw std::runtime_error("folder " + dir + " not found (dataset_mode folders expects " +
                               files.folder + "/A and " + files.folder + "/B)");
    }
  }
  pair_by_stem(dir_a, dir_b, files);
  return files;
}

namespace {

// The files of a phase with every name paired, cut to max_dataset_size.
DatasetFiles checked_files(const Options& options, const std::string& phase) {
  DatasetFiles files = find_dataset_files(options, phase);
  if (!files.unpaired_a.empty() || !files.unpaired_b.empty()) {
    std::string text = "unpaired images in " + files.folder + " (pairs are matched by name):";
    if (!files.unpaired_a.empty()) {
      text += "\n  in A without a partner in B: " + join_names(files.unpaired_a, files.folder);
    }
    if (!files.unpaired_b.empty()) {
      text += "\n  in B without a partner in A: " + join_names(files.unpaired_b, files.folder);
    }
    throw std::runtime_error(text);
  }
  if (files.a.empty()) throw std::runtime_error("no pairs in " + files.folder);

  const size_t found = files.a.size();
  if (options.max_dataset_size > 0 && found > size_t(options.max_dataset_size)) {
    files.a.resize(options.max_dataset_size);
    if (!files.b.empty()) files.b.resize(options.max_dataset_size);
  }
  spdlog::info(
      "data set {}: {} {} ({} mode{})", files.folder, files.a.size(),
      files.mode == "single" ? "images" : "pairs", files.mode,
      found > files.a.size() ? ", " + std::to_string(found) + " found, max_dataset_size" : "");
  return files;
}

}  // namespace

struct PairedDataset::State {
  DatasetFiles files;
  TransformConfig transform;
  bool swap = false;  // BtoA
  int input_nc = 3;
  int output_nc = 3;
  mutable std::atomic<bool> rounding_logged{false};

  // The input and target images of item `index`, full size, BGR (target empty in single mode).
  std::pair<cv::Mat, cv::Mat> load(size_t index) const {
    if (index >= files.a.size()) {
      throw std::out_of_range("item " + std::to_string(index) + " of a data set of " +
                              std::to_string(files.a.size()));
    }
    const std::string& path = files.a[index];
    int orientation_a = 1, orientation_b = 1;
    cv::Mat a = read_image(path, &orientation_a), b;
    if (files.mode == "single") return {a, b};
    if (files.mode == "aligned") {
      if (orientation_a >= 5) {
        throw std::runtime_error(
            path + ": its EXIF orientation (" + std::to_string(orientation_a) +
            ") turns it by 90 degrees, so A and B would be split along the wrong side; re-save "
            "it without the orientation tag (e.g. exiftool -Orientation= FILE)");
      }
      if (a.cols % 2 != 0) {
        throw std::runtime_error(path + ": aligned image has an odd width (" +
                                 std::to_string(a.cols) +
                                 "); an aligned file holds A and B side by side, each half the "
                                 "width (see pix2pix data combine)");
      }
      const int half = a.cols / 2;
      b = a(cv::Rect(half, 0, half, a.rows));
      a = a(cv::Rect(0, 0, half, a.rows));
    } else {
      b = read_image(files.b[index], &orientation_b);
      if (a.size() != b.size()) {
        const bool turned = orientation_a != 1 || orientation_b != 1;
        throw std::runtime_error("pair differs in size: " + path + " is " + size_text(a.size()) +
                                 " but " + files.b[index] + " is " + size_text(b.size()) +
                                 (turned ? " after their EXIF orientations (" +
                                               std::to_string(orientation_a) + " and " +
                                               std::to_string(orientation_b) + ") are applied"
                                         : ""));
      }
    }
    if (swap) std::swap(a, b);
    return {a, b};
  }
};

PairedDataset::PairedDataset(const Options& options, const std::string& phase, int size_multiple)
    : PairedDataset(options, checked_files(options, phase), size_multiple) {}

PairedDataset::PairedDataset(const Options& options, DatasetFiles files, int size_multiple) {
  auto state = std::make_shared<State>();
  state->files = std::move(files);
  state->transform = transform_config(
      options, size_multiple > 0 ? size_multiple : network_size_multiple(options.netG));
  state->swap = options.direction == "BtoA" && state->files.mode != "single";
  state->input_nc = options.input_nc;
  state->output_nc = options.output_nc;
  state_ = state;
}

size_t PairedDataset::size() const {
  return state_->files.a.size();
}

const std::vector<std::string>& PairedDataset::paths() const {
  return state_->files.a;
}

const DatasetFiles& PairedDataset::files() const {
  return state_->files;
}

Sample PairedDataset::get(size_t index, uint64_t seed) const {
  const State& s = *state_;
  auto [a, b] = s.load(index);
  const bool input_from_b = s.swap && s.files.mode == "folders";
  const std::string& path = input_from_b ? s.files.b[index] : s.files.a[index];

  // one draw for the pair
  SplitMix64 rng(seed);
  const TransformDraw draw = draw_transform(s.transform, a.size(), rng, path);
  const cv::Size resized = resized_size(s.transform, a.size());
  if (s.transform.preprocess == "none" && resized != a.size()) {
    const bool first = !s.rounding_logged.exchange(true);
    const auto level = first ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(level, "preprocess none: {} resized from {} to {}, a multiple of {}{}", path,
                size_text(a.size()), size_text(resized), s.transform.size_multiple,
                first ? " that the generator accepts (further resizes are logged at debug)" : "");
  }

  Sample sample;
  sample.path = path;
  sample.real_A = transform_to_tensor(a, s.transform, draw, s.input_nc);
  if (!b.empty()) sample.real_B = transform_to_tensor(b, s.transform, draw, s.output_nc);
  return sample;
}

ItemReport PairedDataset::inspect(size_t index) const {
  const State& s = *state_;
  ItemReport report;
  try {
    auto [a, b] = s.load(index);
    report.size = a.size();
    report.channels_a = a.channels();
    report.channels_b = b.empty() ? 0 : b.channels();
    report.depth_bits = a.depth() == CV_16U ? 16 : 8;
    const std::string problem = transform_problem(s.transform, a.size());
    if (!problem.empty()) report.problem = s.files.a[index] + ": " + problem;
  } catch (const std::exception& e) {
    report.problem = e.what();
  }
  return report;
}

std::vector<ItemReport> inspect_all(const PairedDataset& dataset) {
  const size_t n = dataset.size();
  std::vector<ItemReport> reports(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) reports[i] = dataset.inspect(i);
  };
  const size_t n_threads =
      std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), n));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n_threads; ++t) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  return reports;
}

void PairedDataset::verify() const {
  const size_t n = size();
  std::vector<std::string> problems;
  for (const auto& report : inspect_all(*this)) problems.push_back(report.problem);

  std::string text;
  size_t n_problems = 0;
  for (const auto& p : problems) {
    if (p.empty()) continue;
    ++n_problems;
    text += "\n  " + p;
  }
  if (n_problems > 0) {
    throw std::runtime_error("data set " + state_->files.folder + " has " +
                             std::to_string(n_problems) + " problem" +
                             (n_problems == 1 ? "" : "s") + " (fix or remove these files):" + text);
  }
  spdlog::info("data set {}: all {} items read cleanly", state_->files.folder, n);
}

}  // namespace pix2pix
