#include "pix2pix/loss_log.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pix2pix/checkpoint.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

std::string format_row(const LossRow& row) {
  std::ostringstream out;
  out.precision(7);
  out << row.epoch << "," << row.step;
  for (double v : row.losses) out << "," << v;
  out << "," << row.lr << "," << row.step_time << "," << row.data_wait << "\n";
  return out.str();
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  return fields;
}

}  // namespace

LossLog::LossLog(fs::path path, std::vector<std::string> loss_names, bool resume, int64_t last_step)
    : path_(std::move(path)), loss_names_(std::move(loss_names)) {
  if (resume && fs::exists(path_)) {
    std::ifstream in(path_);
    std::string line;
    std::getline(in, line);
    if (line != header()) {
      throw std::runtime_error(path_.string() + " has columns '" + line + "', expected '" +
                               header() + "'; was the run trained with another gan_mode?");
    }
    const size_t n_fields = loss_names_.size() + 5;
    while (std::getline(in, line)) {
      const auto fields = split(line);
      if (fields.size() != n_fields) continue;  // a line cut short by a kill
      LossRow row;
      row.epoch = std::stoll(fields[0]);
      row.step = std::stoll(fields[1]);
      if (row.step > last_step) continue;
      for (size_t i = 0; i < loss_names_.size(); ++i)
        row.losses.push_back(std::stod(fields[2 + i]));
      row.lr = std::stod(fields[n_fields - 3]);
      row.step_time = std::stod(fields[n_fields - 2]);
      row.data_wait = std::stod(fields[n_fields - 1]);
      rows_.push_back(std::move(row));
    }
  }
  std::string text = header() + "\n";
  for (const auto& row : rows_) text += format_row(row);
  write_file_atomically(path_, text);
}

std::string LossLog::header() const {
  std::string h = "epoch,step";
  for (const auto& name : loss_names_) h += "," + name;
  return h + ",lr,step_time,data_wait";
}

void LossLog::append(const std::vector<LossRow>& rows) {
  if (rows.empty()) return;
  std::ofstream out(path_, std::ios::app);
  for (const auto& row : rows) out << format_row(row);
  out.flush();
  if (!out) throw std::runtime_error("cannot append to " + path_.string() + "; is the disk full?");
  rows_.insert(rows_.end(), rows.begin(), rows.end());
}

}  // namespace pix2pix
