#include "pix2pix/report.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "pix2pix/checkpoint.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

constexpr int kPanelWidth = 420;
constexpr int kPanelHeight = 220;
constexpr int kMargin = 48;

struct Series {
  std::string title;
  std::vector<double> x;
  std::vector<double> y;
};

std::string short_number(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", v);
  return text;
}

std::vector<double> moving_average(const std::vector<double>& y, size_t window) {
  std::vector<double> out(y.size());
  double sum = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    sum += y[i];
    if (i >= window) sum -= y[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return out;
}

// One panel: title, y range labels, raw values light grey, the moving average in blue.
cv::Mat draw_panel(const Series& s) {
  cv::Mat panel(kPanelHeight, kPanelWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Rect area(kMargin, 24, kPanelWidth - kMargin - 10, kPanelHeight - 24 - 28);
  cv::rectangle(panel, area, cv::Scalar(200, 200, 200));
  cv::putText(panel, s.title, {kMargin, 17}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0}, 1,
              cv::LINE_AA);

  std::vector<double> xs, ys;
  for (size_t i = 0; i < s.y.size(); ++i) {
    if (std::isfinite(s.y[i])) {
      xs.push_back(s.x[i]);
      ys.push_back(s.y[i]);
    }
  }
  if (ys.empty()) return panel;
  const auto [y_min_it, y_max_it] = std::minmax_element(ys.begin(), ys.end());
  double y_min = *y_min_it, y_max = *y_max_it;
  if (y_max - y_min < 1e-12) {
    y_min -= 0.5 * std::max(1e-6, std::abs(y_min));
    y_max += 0.5 * std::max(1e-6, std::abs(y_max));
  }
  const double x_min = xs.front(), x_max = std::max(xs.back(), xs.front() + 1.0);
  auto to_pixel = [&](double x, double y) {
    return cv::Point(
        area.x + static_cast<int>((x - x_min) / (x_max - x_min) * area.width),
        area.y + area.height - static_cast<int>((y - y_min) / (y_max - y_min) * area.height));
  };

  const auto font = cv::FONT_HERSHEY_SIMPLEX;
  cv::putText(panel, short_number(y_max), {2, area.y + 10}, font, 0.35, {80, 80, 80}, 1,
              cv::LINE_AA);
  cv::putText(panel, short_number(y_min), {2, area.y + area.height}, font, 0.35, {80, 80, 80}, 1,
              cv::LINE_AA);
  cv::putText(panel, "step " + short_number(x_min), {area.x, kPanelHeight - 8}, font, 0.35,
              {80, 80, 80}, 1, cv::LINE_AA);
  const std::string right = short_number(x_max);
  cv::putText(panel, right,
              {area.x + area.width - 8 * static_cast<int>(right.size()), kPanelHeight - 8}, font,
              0.35, {80, 80, 80}, 1, cv::LINE_AA);

  const auto smooth = moving_average(ys, std::max<size_t>(1, ys.size() / 40));
  for (size_t i = 1; i < ys.size(); ++i) {
    cv::line(panel, to_pixel(xs[i - 1], ys[i - 1]), to_pixel(xs[i], ys[i]), {210, 210, 210}, 1,
             cv::LINE_AA);
  }
  if (ys.size() == 1) cv::circle(panel, to_pixel(xs[0], ys[0]), 3, {180, 90, 20}, -1);
  for (size_t i = 1; i < ys.size(); ++i) {
    cv::line(panel, to_pixel(xs[i - 1], smooth[i - 1]), to_pixel(xs[i], smooth[i]), {180, 90, 20},
             2, cv::LINE_AA);
  }
  return panel;
}

// Panels two a row, written atomically as a PNG.
void write_panels(const fs::path& png, const std::vector<Series>& series) {
  const int columns = 2;
  const int rows = static_cast<int>((series.size() + columns - 1) / columns);
  cv::Mat canvas(rows * kPanelHeight, columns * kPanelWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  for (size_t i = 0; i < series.size(); ++i) {
    const int r = static_cast<int>(i) / columns, c = static_cast<int>(i) % columns;
    draw_panel(series[i]).copyTo(
        canvas(cv::Rect(c * kPanelWidth, r * kPanelHeight, kPanelWidth, kPanelHeight)));
  }
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", canvas, bytes)) {
    throw std::runtime_error("cannot encode " + png.string() + " as PNG");
  }
  write_file_atomically(png, std::string(bytes.begin(), bytes.end()));
}

std::string fixed(double v, int digits) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", digits, v);
  return text;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string sample_file_name(int64_t epoch, int64_t global_step) {
  char name[64];
  std::snprintf(name, sizeof(name), "epoch%03lld_step%08lld.png", static_cast<long long>(epoch),
                static_cast<long long>(global_step));
  return name;
}

void write_loss_curves(const fs::path& png, const LossLog& log) {
  if (log.rows().empty()) return;
  const auto& names = log.loss_names();
  std::vector<Series> series(names.size() + 1);
  for (size_t i = 0; i < names.size(); ++i) series[i].title = names[i];
  series.back().title = "learning rate";
  for (const auto& row : log.rows()) {
    for (size_t i = 0; i < names.size(); ++i) {
      series[i].x.push_back(static_cast<double>(row.step));
      series[i].y.push_back(row.losses[i]);
    }
    series.back().x.push_back(static_cast<double>(row.step));
    series.back().y.push_back(row.lr);
  }
  write_panels(png, series);
}

void write_validation_curves(const fs::path& png, const std::vector<ValidationRow>& rows) {
  if (rows.empty()) return;
  Series l1{"validation mean L1 (by epoch)", {}, {}},
      psnr{"validation PSNR, dB (by epoch)", {}, {}};
  for (const auto& row : rows) {
    l1.x.push_back(static_cast<double>(row.epoch));
    l1.y.push_back(row.mean_l1);
    psnr.x.push_back(static_cast<double>(row.epoch));
    psnr.y.push_back(row.psnr);
  }
  write_panels(png, {l1, psnr});
}

void write_validation_csv(const fs::path& csv, const std::vector<ValidationRow>& rows) {
  std::string text = "epoch,mean_L1,PSNR\n";
  for (const auto& row : rows) {
    text +=
        std::to_string(row.epoch) + "," + fixed(row.mean_l1, 6) + "," + fixed(row.psnr, 4) + "\n";
  }
  write_file_atomically(csv, text);
}

std::vector<ValidationRow> read_validation_csv(const fs::path& csv, int64_t before_epoch) {
  std::vector<ValidationRow> rows;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    long long epoch = 0;
    ValidationRow row;
    if (std::sscanf(line.c_str(), "%lld,%lf,%lf", &epoch, &row.mean_l1, &row.psnr) == 3 &&
        epoch < before_epoch) {
      row.epoch = epoch;
      rows.push_back(row);
    }
  }
  return rows;
}

void write_report(const fs::path& run_root, const ReportContents& contents) {
  // samples/epochNNN_stepNNNNNNNN.png grouped by epoch, newest first
  std::map<int64_t, std::vector<std::string>, std::greater<>> samples;
  const fs::path sample_dir = run_root / "samples";
  if (fs::is_directory(sample_dir)) {
    for (const auto& entry : fs::directory_iterator(sample_dir)) {
      const std::string name = entry.path().filename().string();
      long long epoch = 0, step = 0;
      if (std::sscanf(name.c_str(), "epoch%lld_step%lld.png", &epoch, &step) == 2 &&
          entry.path().extension() == ".png") {
        samples[epoch].push_back(name);
      }
    }
  }

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>"
       << html_escape(contents.run_name) << " - pix2pix</title>\n"
       << "<style>body{font-family:sans-serif;margin:20px;max-width:1300px}"
          "img{max-width:100%;image-rendering:pixelated}figure{display:inline-block;margin:6px}"
          "figcaption{font-size:12px;color:#555}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}</style>\n"
       << "</head><body>\n<h1>" << html_escape(contents.run_name) << "</h1>\n<p>"
       << html_escape(contents.status) << "</p>\n";

  if (contents.held_out) {
    const auto& h = *contents.held_out;
    html << "<h2>Held-out " << html_escape(h.phase) << " set (" << h.trained.images
         << " pairs)</h2>\n<table><tr><th>generator</th><th>mean L1</th><th>PSNR (dB)</th></tr>\n";
    const std::pair<const char*, const ImageMetrics*> rows[] = {
        {"trained", &h.trained},
        {"untrained (same seed)", &h.untrained},
        {"mean training image", &h.baseline}};
    for (const auto& [label, m] : rows) {
      html << "<tr><td style=\"text-align:left\">" << label << "</td><td>" << fixed(m->mean_l1, 4)
           << "</td><td>" << fixed(m->psnr, 2) << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  if (fs::exists(run_root / "loss_curves.png")) {
    html << "<h2>Losses</h2>\n<img src=\"loss_curves.png\" alt=\"loss curves\">\n";
  }
  if (!contents.validation.empty()) {
    html << "<h2>Validation</h2>\n<img src=\"val_curves.png\" alt=\"validation curves\">\n"
         << "<table><tr><th>epoch</th><th>mean L1</th><th>PSNR (dB)</th></tr>\n";
    for (const auto& row : contents.validation) {
      html << "<tr><td>" << row.epoch << "</td><td>" << fixed(row.mean_l1, 4) << "</td><td>"
           << fixed(row.psnr, 2) << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  html << "<h2>Samples: real A | fake B | real B</h2>\n";
  for (auto& [epoch, names] : samples) {
    std::sort(names.rbegin(), names.rend());
    html << "<h3>epoch " << epoch << "</h3>\n";
    for (const auto& name : names) {
      long long e = 0, step = 0;
      std::sscanf(name.c_str(), "epoch%lld_step%lld.png", &e, &step);
      html << "<figure><img src=\"samples/" << name << "\" alt=\"" << name << "\"><figcaption>step "
           << step << "</figcaption></figure>\n";
    }
  }
  html << "</body></html>\n";
  write_file_atomically(run_root / "index.html", html.str());
}

}  // namespace pix2pix
