#include "pix2pix/results.h"

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "pix2pix/report.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

// A relative path in a URL: each part percent-encoded where it is not a plain character.
std::string url_path(const std::string& path) {
  std::ostringstream out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      out << c;
    } else {
      out << '%' << "0123456789ABCDEF"[c >> 4] << "0123456789ABCDEF"[c & 15];
    }
  }
  return out.str();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double value, int precision) {
  if (std::isnan(value)) return "";
  if (std::isinf(value)) return "inf";
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(precision);
  out << value;
  return out.str();
}

std::ofstream open_for_writing(const fs::path& path) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path.string() + ": check permissions");
  return out;
}

}  // namespace

std::vector<fs::path> output_names(const std::vector<fs::path>& inputs, const std::string& format) {
  const std::string extension = "." + format;
  std::map<fs::path, int> uses;
  for (const auto& input : inputs) ++uses[fs::path(input).replace_extension(extension)];

  std::vector<fs::path> names;
  for (const auto& input : inputs) {
    fs::path name = fs::path(input).replace_extension(extension);
    if (uses[name] > 1) {
      std::string kept = input.extension().string();  // ".jpg" -> "_jpg"
      if (!kept.empty()) kept[0] = '_';
      name = input.parent_path() / (input.stem().string() + kept + extension);
    }
    names.push_back(name);
  }
  return names;
}

fs::path relative_name(const fs::path& path, const fs::path& base) {
  const fs::path relative =
      fs::path(path).lexically_normal().lexically_relative(fs::path(base).lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return path.filename();
  return relative;
}

std::optional<ImageQuality> mean_metrics(const std::vector<ResultRow>& rows) {
  ImageQuality sum;
  size_t n = 0, n_ssim = 0;
  for (const auto& row : rows) {
    if (!row.metrics) continue;
    sum.l1 += row.metrics->l1;
    sum.psnr += row.metrics->psnr;
    ++n;
    if (!std::isnan(row.metrics->ssim)) {
      sum.ssim += row.metrics->ssim;
      ++n_ssim;
    }
  }
  if (n == 0) return std::nullopt;
  return ImageQuality{sum.l1 / n, sum.psnr / n, n_ssim ? sum.ssim / n_ssim : std::nan("")};
}

void write_metrics_csv(const fs::path& path, const std::vector<ResultRow>& rows) {
  auto out = open_for_writing(path);
  out << "name,width,height,l1,psnr,ssim\n";
  for (const auto& row : rows) {
    if (!row.metrics) continue;
    out << csv_field(row.name) << ',' << row.width << ',' << row.height << ','
        << number(row.metrics->l1, 6) << ',' << number(row.metrics->psnr, 4) << ','
        << number(row.metrics->ssim, 6) << '\n';
  }
  if (const auto mean = mean_metrics(rows)) {
    out << "mean,,," << number(mean->l1, 6) << ',' << number(mean->psnr, 4) << ','
        << number(mean->ssim, 6) << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path.string() + ": disk full?");
}

void write_results_page(const fs::path& path, const std::string& title,
                        const std::vector<ResultRow>& rows,
                        const std::vector<std::pair<std::string, std::string>>& failures) {
  const bool paired = !rows.empty() && !rows.front().target_image.empty();
  auto out = open_for_writing(path);
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << html_escape(title)
      << "</title>\n<style>body{font-family:sans-serif}td{vertical-align:top;padding:4px}"
         "img{max-width:320px;image-rendering:pixelated}</style></head><body>\n<h1>"
      << html_escape(title) << "</h1>\n<p>" << rows.size() << " images translated";
  if (const auto mean = mean_metrics(rows)) {
    out << "; mean L1 " << number(mean->l1, 4) << ", PSNR " << number(mean->psnr, 2) << " dB, SSIM "
        << number(mean->ssim, 4);
  }
  out << "</p>\n";
  if (!failures.empty()) {
    out << "<h2>" << failures.size() << " failed</h2><ul>\n";
    for (const auto& [name, reason] : failures) {
      out << "<li>" << html_escape(name) << ": " << html_escape(reason) << "</li>\n";
    }
    out << "</ul>\n";
  }

  out << "<table>\n<tr><th>name</th><th>input</th><th>output</th>"
      << (paired ? "<th>target</th><th>L1</th><th>PSNR</th><th>SSIM</th>" : "") << "</tr>\n";
  for (const auto& row : rows) {
    auto cell = [&out](const std::string& image) {
      out << "<td><a href=\"" << url_path(image) << "\"><img src=\"" << url_path(image)
          << "\"></a></td>";
    };
    out << "<tr><td>" << html_escape(row.name) << "<br>" << row.width << "x" << row.height
        << "</td>";
    cell(row.input_image);
    cell(row.output_image);
    if (paired) {
      cell(row.target_image);
      const auto m = row.metrics.value_or(ImageQuality{});
      out << "<td>" << number(m.l1, 4) << "</td><td>" << number(m.psnr, 2) << "</td><td>"
          << number(m.ssim, 4) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n</body></html>\n";
  if (!out) throw std::runtime_error("cannot write " + path.string() + ": disk full?");
}

}  // namespace pix2pix
