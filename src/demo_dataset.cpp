#include "pix2pix/demo_dataset.h"

#include <fnmatch.h>
#include <spdlog/spdlog.h>

#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "pix2pix/image_io.h"

namespace fs = std::filesystem;

namespace pix2pix {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

bool pattern_matches(const std::string& pattern, const std::string& file_name) {
  if (pattern == "*") return true;
  const size_t slash = pattern.rfind('/');
  const std::string base = slash == std::string::npos ? pattern : pattern.substr(slash + 1);
  const bool wildcard = base.find_first_of("*?[") != std::string::npos;
  if (wildcard) {
    // a folder's wildcard (doc/*) says nothing about a file found elsewhere
    return slash == std::string::npos && fnmatch(base.c_str(), file_name.c_str(), 0) == 0;
  }
  return base == file_name;
}

// The package of each of `paths` according to dpkg's file lists.
std::map<std::string, std::string> installed_packages(const std::set<std::string>& paths) {
  std::map<std::string, std::string> packages;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/var/lib/dpkg/info", ec)) {
    if (entry.path().extension() != ".list") continue;
    std::string package = entry.path().stem().string();
    package = package.substr(0, package.find(':'));
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      if (paths.count(line)) packages[line] = package;
    }
  }
  return packages;
}

// The copyright file of a folder extracted from a package (<prefix>/usr/share/doc/<pkg>/).
std::string extracted_copyright_file(const std::string& folder) {
  const std::string normal = fs::path(folder).lexically_normal().string();
  const size_t at = normal.find("/usr/share/");
  if (at == std::string::npos || at == 0) return "";
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(normal.substr(0, at) + "/usr/share/doc", ec)) {
    if (fs::exists(entry.path() / "copyright", ec)) {
      found.push_back((entry.path() / "copyright").string());
    }
  }
  return found.size() == 1 ? found.front() : "";
}

struct Photo {
  std::string path;
  std::string stem;  // unique among the photos
  std::string copyright_file;
  std::string phase;
  size_t n_pairs = 0;
};

size_t count_images(const fs::path& folder) {
  std::error_code ec;
  return fs::is_directory(folder, ec) ? list_images(folder.string()).size() : 0;
}

// The photographs of every source, with their copyright files and unique stems.
std::vector<Photo> find_photos(const DemoOptions& options) {
  std::vector<Photo> photos;
  std::set<std::string> stems;
  for (const auto& source : options.sources) {
    std::string copyright = source.copyright_file;
    if (copyright.empty()) copyright = extracted_copyright_file(source.folder);
    for (const auto& path : list_images(source.folder)) {
      Photo photo;
      photo.path = fs::path(path).lexically_normal().string();
      photo.stem = fs::path(path).stem().string();
      while (!stems.insert(photo.stem).second) photo.stem += "_";
      photo.copyright_file = copyright;
      photos.push_back(photo);
    }
  }
  if (photos.empty()) throw std::runtime_error("no photographs found in the demo's folders");

  // installed packages: their copyright files from dpkg's lists
  std::set<std::string> unknown;
  for (const auto& photo : photos) {
    if (photo.copyright_file.empty()) unknown.insert(photo.path);
  }
  if (!unknown.empty()) {
    const auto packages = installed_packages(unknown);
    for (auto& photo : photos) {
      auto it = packages.find(photo.path);
      if (photo.copyright_file.empty() && it != packages.end()) {
        photo.copyright_file = "/usr/share/doc/" + it->second + "/copyright";
      }
    }
  }

  // whole photos held out for test, spread over the sources
  const size_t every = size_t(std::max(2, options.test_every));
  size_t n_test = 0;
  for (size_t i = 0; i < photos.size(); ++i) {
    const bool test = photos.size() >= 2 && i % every == every / 2;
    photos[i].phase = test ? "test" : "train";
    n_test += test;
  }
  if (n_test == 0 && photos.size() >= 2) photos.back().phase = "test";
  if (photos.size() < 2) spdlog::warn("one photograph only: the demo's test set is empty");
  return photos;
}

// Writes the tiles of one photo; returns (pairs written, tiles skipped).
std::pair<size_t, size_t> write_tiles(const Photo& photo, const DemoOptions& options) {
  cv::Mat image = read_image(photo.path);
  if (image.depth() == CV_16U) image.convertTo(image, CV_8U, 1.0 / 257.0);
  if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);

  size_t n_written = 0, n_skipped = 0;
  const int size = options.size;
  for (int scale : options.scales) {
    // the short side becomes scale * size; tiles of size x size from the middle
    const double factor = double(scale * size) / std::min(image.cols, image.rows);
    const cv::Size resized_size(std::max(size, int(std::lround(image.cols * factor))),
                                std::max(size, int(std::lround(image.rows * factor))));
    cv::Mat resized;
    cv::resize(image, resized, resized_size, 0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    const int nx = resized.cols / size, ny = resized.rows / size;
    const int x0 = (resized.cols - nx * size) / 2, y0 = (resized.rows - ny * size) / 2;
    for (int r = 0; r < ny; ++r) {
      for (int c = 0; c < nx; ++c) {
        const cv::Mat tile = resized(cv::Rect(x0 + c * size, y0 + r * size, size, size));
        const cv::Mat black_edges = edge_map(tile, false);
        cv::Mat edge_pixels;  // 0 on an edge
        cv::extractChannel(black_edges, edge_pixels, 0);
        const double fraction = 1.0 - cv::countNonZero(edge_pixels) / double(size * size);
        if (fraction < options.min_edge_fraction) {
          ++n_skipped;
          continue;
        }
        const cv::Mat edges = options.coloured_edges ? edge_map(tile, true) : black_edges;
        cv::Mat pair;
        cv::hconcat(edges, tile, pair);
        const std::string name = photo.stem + "_s" + std::to_string(scale) + "_r" +
                                 std::to_string(r) + "c" + std::to_string(c) + "." + options.format;
        write_image((fs::path(options.out) / photo.phase / name).string(), pair);
        ++n_written;
      }
    }
  }
  return {n_written, n_skipped};
}

std::string attribution_text(const std::vector<Photo>& photos, const DemoOptions& options) {
  std::map<std::string, std::string> copyright_texts;
  std::ostringstream out;
  out << "Edges -> photo demo data set, built by `pix2pix data demo`.\n"
      << "Each file is " << 2 * options.size << "x" << options.size
      << ": on the left (A) Canny edges on white"
      << (options.coloured_edges ? ", each in the photo's colour there," : ", black,")
      << " of the tile on the right (B), a tile of\n"
      << "a photograph resized so that its short side is one of {";
  for (size_t i = 0; i < options.scales.size(); ++i) {
    out << (i ? ", " : "") << options.scales[i] * options.size;
  }
  out << "} pixels. The photographs\nwere modified (resized, cut into tiles, edges drawn from "
         "them); each is used under its\nlicence below, as stated in the Debian copyright file "
         "named with it. Whole photographs\nare held out for the test set.\n";
  for (const auto& photo : photos) {
    Licence licence{"unknown", "unknown"};
    if (!photo.copyright_file.empty()) {
      auto it = copyright_texts.find(photo.copyright_file);
      if (it == copyright_texts.end()) {
        it = copyright_texts.emplace(photo.copyright_file, read_text(photo.copyright_file)).first;
      }
      licence = licence_from_copyright(it->second, fs::path(photo.path).filename().string());
    }
    out << "\n"
        << fs::path(photo.path).filename().string() << "\n"
        << "  source:    " << photo.path << "\n"
        << "  copyright: " << licence.copyright << "\n"
        << "  licence:   " << licence.licence << "\n"
        << "  from:      "
        << (photo.copyright_file.empty() ? "no copyright file found" : photo.copyright_file) << "\n"
        << "  used in:   " << photo.phase << ", " << photo.n_pairs << " pairs (" << photo.stem
        << "_*)\n";
  }
  return out.str();
}

}  // namespace

std::vector<PhotoSource> default_photo_sources(const std::string& tuxpaint_root) {
  // installed packages' copyright files are found per photo through dpkg's file lists
  return {
      {"/usr/share/backgrounds", ""},
      {"/usr/share/palapeli/collection", ""},
      {tuxpaint_root + "/usr/share/tuxpaint/templates",
       tuxpaint_root + "/usr/share/doc/tuxpaint-data/copyright"},
  };
}

cv::Mat edge_map(const cv::Mat& photo, bool coloured) {
  cv::Mat gray, blurred, unused, edges;
  cv::cvtColor(photo, gray, cv::COLOR_BGR2GRAY);
  cv::GaussianBlur(gray, blurred, cv::Size(5, 5), 1.4);
  // thresholds from the image itself (Otsu), so that dark and bright photos both draw lines
  const double high =
      std::max(20.0, cv::threshold(blurred, unused, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU));
  cv::Canny(blurred, edges, high / 2, high);  // 255 on an edge

  cv::Mat out(photo.size(), CV_8UC3, cv::Scalar(255, 255, 255));
  if (coloured) {
    cv::Mat colours;
    cv::GaussianBlur(photo, colours, cv::Size(5, 5), 1.4);
    colours.copyTo(out, edges);
  } else {
    out.setTo(cv::Scalar(0, 0, 0), edges);
  }
  return out;
}

Licence licence_from_copyright(const std::string& copyright_text, const std::string& file_name) {
  Licence result{"unknown", "unknown"};
  std::istringstream in(copyright_text + "\n\n");
  std::vector<std::string> files;
  std::string copyright, licence, field;
  auto finish_stanza = [&] {
    for (const auto& pattern : files) {
      if (pattern_matches(pattern, file_name) && !licence.empty()) {
        result = {licence, copyright.empty() ? "unknown" : copyright};
        break;
      }
    }
    files.clear();
    copyright.clear();
    licence.clear();
    field.clear();
  };
  for (std::string line; std::getline(in, line);) {
    if (trim(line).empty()) {
      finish_stanza();
      continue;
    }
    const bool continuation = line[0] == ' ' || line[0] == '\t';
    std::string value = trim(line);
    if (!continuation) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      field = line.substr(0, colon);
      value = trim(line.substr(colon + 1));
      if (field == "License") licence = value;
    }
    if (field == "Files") {
      std::istringstream words(value);
      for (std::string w; words >> w;) files.push_back(w);
    } else if (field == "Copyright" && !value.empty()) {
      copyright += (copyright.empty() ? "" : "; ") + value;
    }
  }
  return result;
}

DemoReport build_demo_dataset(const DemoOptions& options) {
  if (options.size < 16) throw std::invalid_argument("demo size must be at least 16");
  const fs::path out(options.out), attribution = fs::path(options.out) / "ATTRIBUTION";
  std::error_code ec;
  DemoReport report;
  if (fs::exists(attribution, ec) && !options.force) {
    report.reused = true;
    report.n_train_pairs = count_images(out / "train");
    report.n_test_pairs = count_images(out / "test");
    spdlog::info("demo data set {} exists ({} train, {} test pairs); kept as it is", options.out,
                 report.n_train_pairs, report.n_test_pairs);
    return report;
  }
  for (const char* part : {"train", "test", "ATTRIBUTION"}) fs::remove_all(out / part, ec);

  std::vector<Photo> photos = find_photos(options);
  for (auto& photo : photos) {
    const auto [n_written, n_skipped] = write_tiles(photo, options);
    photo.n_pairs = n_written;
    report.n_skipped_tiles += n_skipped;
    const bool test = photo.phase == "test";
    (test ? report.n_test_pairs : report.n_train_pairs) += n_written;
    ++(test ? report.n_test_photos : report.n_train_photos);
    spdlog::debug("{}: {} pairs for {}", photo.path, n_written, photo.phase);
  }
  for (const auto& photo : photos) {
    if (photo.copyright_file.empty()) {
      spdlog::warn("no copyright file found for {}: its licence is listed as unknown", photo.path);
    }
  }

  if (report.n_train_pairs == 0 || report.n_test_pairs == 0) {
    throw std::runtime_error("demo data set " + options.out + ": no " +
                             (report.n_train_pairs == 0 ? "training" : "test") +
                             " pairs were cut (every tile had too few edges); give other photos");
  }

  // ATTRIBUTION last: its presence marks a finished data set
  const fs::path temp = out / ".ATTRIBUTION.tmp";
  std::ofstream(temp) << attribution_text(photos, options);
  fs::rename(temp, attribution);
  spdlog::info(
      "demo data set {}: {} train pairs from {} photos, {} test pairs from {} photos "
      "({} tiles skipped for too few edges); sources in {}",
      options.out, report.n_train_pairs, report.n_train_photos, report.n_test_pairs,
      report.n_test_photos, report.n_skipped_tiles, attribution.string());
  return report;
}

}  // namespace pix2pix
