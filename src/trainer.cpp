#include "pix2pix/trainer.h"

#include <spdlog/spdlog.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>

#include "pix2pix/dataset.h"
#include "pix2pix/device.h"
#include "pix2pix/image_io.h"
#include "pix2pix/loss_log.h"
#include "pix2pix/report.h"
#include "pix2pix/run_environment.h"
#include "pix2pix/run_setup.h"
#include "pix2pix/scheduler.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool all_finite(const torch::nn::Module& module) {
  std::vector<torch::Tensor> flags;
  for (const auto& p : module.parameters()) flags.push_back(torch::isfinite(p).all());
  return flags.empty() || torch::stack(flags).all().item<bool>();
}

// One step's losses, kept on the device until the next flush so that steps do not synchronise.
struct PendingRow {
  LossRow row;
  torch::Tensor losses;
};

class Trainer {
 public:
  Trainer(PreparedRun run, const TrainHooks& hooks)
      : run_(std::move(run)),
        options_(run_.options.values),
        hooks_(hooks),
        device_(resolve_device(options_.device)),
        scheduler_(options_),
        last_epoch_(options_.n_epochs + options_.n_epochs_decay) {}

  TrainResult run();

 private:
  void setup();
  bool train_epoch(int64_t epoch, const StopSignals& stop);
  void end_epoch(int64_t epoch);
  void flush();
  void print_progress(int64_t epoch);
  void save(const std::string& reason);
  void save_sample(int64_t epoch);
  void write_report(const std::string& status);
  CheckpointParts parts();

  PreparedRun run_;
  Options options_;
  TrainHooks hooks_;
  torch::Device device_;
  LrScheduler scheduler_;
  int64_t last_epoch_;
  std::string options_yaml_;

  std::unique_ptr<Pix2PixModel> model_;
  std::shared_ptr<const PairedDataset> train_set_;
  std::unique_ptr<PairedDataset> val_set_;
  std::unique_ptr<DataLoader> loader_;
  std::unique_ptr<LossLog> loss_log_;
  TrainingProgress progress_;
  std::vector<PendingRow> pending_;
  std::vector<ValidationRow> validation_;
  std::optional<HeldOutComparison> held_out_;
  std::string last_checkpoint_ = "none yet";

  // progress line
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_print_ = Clock::now();
  int64_t steps_this_session_ = 0;
  int64_t images_since_print_ = 0;
  double data_wait_since_print_ = 0.0;
  std::vector<double> loss_sums_;
  int64_t rows_since_print_ = 0;
};

CheckpointParts Trainer::parts() {
  CheckpointParts p = model_->checkpoint_parts();
  p.scheduler = &scheduler_;
  p.progress = &progress_;
  p.options_yaml = &options_yaml_;
  return p;
}

void Trainer::setup() {
  const fs::path root = run_.folder.root;
  options_yaml_ = to_yaml(run_.options, kTrainGroups);
  write_file_atomically(run_.folder.options_file(), options_yaml_);
  spdlog::info("{} run {}; options in {}", run_.resume ? "continuing" : "starting", root.string(),
               run_.folder.options_file().string());
  configure_device(device_, options_);

  // data
  train_set_ = run_.train_set;
  // dir_A and dir_B stand for every phase, so they have no separate val set
  if (options_.dir_A.empty() && fs::is_directory(fs::path(options_.dataroot) / "val")) {
    try {
      val_set_ = std::make_unique<PairedDataset>(evaluation_options(options_), "val");
    } catch (const std::runtime_error& e) {
      spdlog::warn("no validation: {}", e.what());
    }
    if (val_set_ && val_set_->size() == 0) val_set_.reset();
  }
  loader_ = std::make_unique<DataLoader>(train_set_, options_, device_.is_cuda());
  spdlog::info("data: {} training pairs from {}, {} batches of {} an epoch{}", train_set_->size(),
               options_.dataroot, loader_->batches_per_epoch(), options_.batch_size,
               val_set_ ? ", " + std::to_string(val_set_->size()) + " validation pairs" : "");

  // networks, from the seed; a resumed run then loads its state over them
  Generator G = make_initial_generator(options_);
  Discriminator D = make_initial_discriminator(options_);
  spdlog::info("G: {}, {} parameters; D: {}, {} parameters", options_.netG,
               format_millions(count_parameters(*G)), options_.netD,
               format_millions(count_parameters(*D)));
  model_ = std::make_unique<Pix2PixModel>(G, D, options_, device_);

  progress_.epoch = options_.epoch_count;
  if (run_.resume) {
    const fs::path latest = run_.folder.checkpoint("latest");
    std::string stored_yaml;
    auto p = parts();
    p.options_yaml = &stored_yaml;
    load_checkpoint(latest, p, device_, /*restore_rng=*/true);
    model_->scaler().set_state(progress_.loss_scale, progress_.loss_scale_good_steps);
    validation_ = read_validation_csv(root / "val.csv", progress_.epoch);
    last_checkpoint_ = latest.string();
    spdlog::info("resumed from {}: epoch {}, {} batches into it, step {}", latest.string(),
                 progress_.epoch, progress_.epoch_batches, progress_.global_step);
  }
  loss_log_ = std::make_unique<LossLog>(root / "losses.csv", model_->loss_names(), run_.resume,
                                        progress_.global_step);
  loss_sums_.assign(model_->loss_names().size(), 0.0);
}

void Trainer::flush() {
  if (pending_.empty()) return;
  std::vector<torch::Tensor> losses;
  for (const auto& p : pending_) losses.push_back(p.losses);
  const torch::Tensor values = torch::stack(losses).to(torch::kCPU, torch::kFloat64);  // [n, L]
  const auto a = values.accessor<double, 2>();
  const auto& names = model_->loss_names();

  std::vector<LossRow> rows;
  for (size_t i = 0; i < pending_.size(); ++i) {
    LossRow row = pending_[i].row;
    bool finite = true;
    for (size_t j = 0; j < names.size(); ++j) {
      row.losses.push_back(a[static_cast<int64_t>(i)][static_cast<int64_t>(j)]);
      finite = finite && std::isfinite(row.losses.back());
    }
    if (!finite) {
      std::string text;
      for (size_t j = 0; j < names.size(); ++j)
        text += " " + names[j] + "=" + std::to_string(row.losses[j]);
      loss_log_->append(rows);
      pending_.clear();
      throw std::runtime_error("non-finite loss at epoch " + std::to_string(row.epoch) + ", step " +
                               std::to_string(row.step) + ":" + text +
                               "; training stopped and the last good "
                               "checkpoint (" +
                               last_checkpoint_ +
                               ") was left as it was. Lower --lr, check the "
                               "data, or continue from it with --resume " +
                               run_.folder.root.string());
    }
    for (size_t j = 0; j < names.size(); ++j) loss_sums_[j] += row.losses[j];
    rows.push_back(std::move(row));
  }
  rows_since_print_ += static_cast<int64_t>(rows.size());
  loss_log_->append(rows);
  pending_.clear();
}

void Trainer::print_progress(int64_t epoch) {
  flush();
  const double elapsed = seconds_since(last_print_);
  const auto batches = static_cast<int64_t>(loader_->batches_per_epoch());
  const int64_t steps_left =
      (last_epoch_ - epoch) * batches + std::max<int64_t>(0, batches - progress_.epoch_batches);
  const double per_step =
      seconds_since(started_) / static_cast<double>(std::max<int64_t>(1, steps_this_session_));

  std::ostringstream line;
  line << "epoch " << epoch << "/" << last_epoch_ << " [" << progress_.epoch_batches << "/"
       << batches << "] step " << progress_.global_step << " |";
  char number[32];
  const auto& names = model_->loss_names();
  for (size_t j = 0; j < names.size(); ++j) {
    std::snprintf(number, sizeof(number), " %.4g",
                  loss_sums_[j] / std::max<int64_t>(1, rows_since_print_));
    line << " " << names[j] << number;
    loss_sums_[j] = 0.0;
  }
  std::snprintf(number, sizeof(number), "%.2e", model_->lr());
  line << " | lr " << number;
  std::snprintf(number, sizeof(number), "%.2f",
                static_cast<double>(images_since_print_) / std::max(elapsed, 1e-9));
  line << " | " << number << " img/s";
  std::snprintf(number, sizeof(number), "%.0f",
                100.0 * data_wait_since_print_ / std::max(elapsed, 1e-9));
  line << ", data wait " << number << "% | ETA "
       << format_duration(per_step * static_cast<double>(steps_left));
  spdlog::info("{}", line.str());

  rows_since_print_ = 0;
  images_since_print_ = 0;
  data_wait_since_print_ = 0.0;
  last_print_ = Clock::now();
}

void Trainer::save(const std::string& name) {
  flush();
  if (!all_finite(*model_->generator()) || !all_finite(*model_->discriminator())) {
    throw std::runtime_error("non-finite weights at step " + std::to_string(progress_.global_step) +
                             "; training stopped and the last good checkpoint (" +
                             last_checkpoint_ +
                             ") was left as it was. Lower --lr or check the data");
  }
  progress_.loss_scale = model_->scaler().enabled() ? model_->scaler().current_scale() : 0.0;
  progress_.loss_scale_good_steps = model_->scaler().good_steps();
  const fs::path path = run_.folder.checkpoint(name);
  save_checkpoint(path, parts(), hooks_.checkpoint_write);
  if (name == "latest") last_checkpoint_ = path.string();
  spdlog::debug("wrote {}", path.string());
}

void Trainer::save_sample(int64_t epoch) {
  std::vector<cv::Mat> images;
  for (const auto& t : model_->visuals()) {
    cv::Mat image = tensor_to_image(t);
    if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    images.push_back(image);
  }
  cv::Mat row;
  cv::hconcat(images, row);
  write_image(
      (run_.folder.root / "samples" / sample_file_name(epoch, progress_.global_step)).string(),
      row);
}

void Trainer::write_report(const std::string& status) {
  flush();
  write_loss_curves(run_.folder.root / "loss_curves.png", *loss_log_);
  ReportContents contents;
  contents.run_name = run_.folder.root.filename().string();
  contents.status = status;
  contents.validation = validation_;
  contents.held_out = held_out_;
  pix2pix::write_report(run_.folder.root, contents);
}

bool Trainer::train_epoch(int64_t epoch, const StopSignals& stop) {
  model_->set_lr(scheduler_.lr(epoch));
  loader_->start_epoch(epoch, static_cast<size_t>(progress_.epoch_batches));

  auto step_start = Clock::now();
  while (true) {
    const auto wait_start = Clock::now();
    std::optional<Batch> batch = loader_->next();
    if (!batch) break;
    const double data_wait = seconds_since(wait_start);

    model_->set_input(batch->real_A, batch->real_B);
    model_->optimize_parameters();
    ++progress_.global_step;
    ++progress_.epoch_batches;
    ++steps_this_session_;
    images_since_print_ += batch->real_A.size(0);
    data_wait_since_print_ += data_wait;

    PendingRow pending;
    pending.row.epoch = epoch;
    pending.row.step = progress_.global_step;
    pending.row.lr = model_->lr();
    pending.row.step_time = seconds_since(step_start);
    pending.row.data_wait = data_wait;
    pending.losses = model_->losses();
    pending_.push_back(std::move(pending));
    step_start = Clock::now();
    if (hooks_.after_step) hooks_.after_step(progress_.global_step, *model_);

    const int64_t step = progress_.global_step;
    if (step % options_.print_freq == 0) print_progress(epoch);
    if (step % options_.display_freq == 0) {
      save_sample(epoch);
      write_report("training: epoch " + std::to_string(epoch) + " of " +
                   std::to_string(last_epoch_) + ", step " + std::to_string(step));
    }
    if (step % options_.save_latest_freq == 0) save("latest");
    if (stop.requested() != 0) return false;
  }
  return true;
}

void Trainer::end_epoch(int64_t epoch) {
  flush();
  // the plateau policy follows validation L1 where there is a val phase, else the epoch's G_L1
  double metric = 0.0;
  int64_t n_rows = 0;
  for (const auto& row : loss_log_->rows()) {
    if (row.epoch != epoch) continue;
    metric += row.losses[1];
    ++n_rows;
  }
  metric /= static_cast<double>(std::max<int64_t>(1, n_rows));
  if (val_set_) {
    const ImageMetrics m = evaluate_generator(*model_->generator(), *val_set_, device_);
    validation_.push_back({epoch, m.mean_l1, m.psnr});
    metric = m.mean_l1;
    spdlog::info("epoch {}: validation on {} pairs: mean L1 {:.4f}, PSNR {:.2f} dB", epoch,
                 m.images, m.mean_l1, m.psnr);
    write_validation_csv(run_.folder.root / "val.csv", validation_);
    write_validation_curves(run_.folder.root / "val_curves.png", validation_);
  }
  scheduler_.end_epoch(metric);

  progress_.epoch = epoch + 1;
  progress_.epoch_batches = 0;
  save("latest");
  if (epoch % options_.save_epoch_freq == 0 || epoch == last_epoch_) {
    save(std::to_string(epoch));
    spdlog::info("wrote {}", run_.folder.checkpoint(std::to_string(epoch)).string());
  }
  write_report("training: finished epoch " + std::to_string(epoch) + " of " +
               std::to_string(last_epoch_) + ", step " + std::to_string(progress_.global_step));
  spdlog::info("epoch {} done at step {} ({} since start)", epoch, progress_.global_step,
               format_duration(seconds_since(started_)));
}

TrainResult Trainer::run() {
  setup();
  StopSignals stop;
  TrainResult result;
  result.run = run_.folder.root;

  if (progress_.epoch > last_epoch_) {
    spdlog::info(
        "the run has already trained its {} epochs; to train longer, resume with a larger "
        "--n_epochs or --n_epochs_decay",
        last_epoch_);
  }
  for (int64_t epoch = progress_.epoch; epoch <= last_epoch_; ++epoch) {
    const bool finished = train_epoch(epoch, stop);
    if (finished) end_epoch(epoch);
    if (!finished || stop.requested() != 0) {
      if (!finished) save("latest");
      write_report("interrupted at epoch " + std::to_string(progress_.epoch) + ", step " +
                   std::to_string(progress_.global_step));
      spdlog::warn(
          "{} received: wrote {} at epoch {}, step {}; continue with: pix2pix train "
          "--resume {}",
          StopSignals::name(stop.requested()), last_checkpoint_, progress_.epoch,
          progress_.global_step, run_.folder.root.string());
      result.interrupted = true;
      result.stop_signal = stop.requested();
      break;
    }
  }

  if (!result.interrupted && !options_.eval_phase.empty()) {
    held_out_ = compare_on_held_out(options_, *model_->generator(), options_.eval_phase, device_);
    const auto& h = *held_out_;
    write_file_atomically(run_.folder.root / "heldout.yaml", held_out_yaml(h));
    spdlog::info(
        "held-out {} set ({} pairs), mean L1: trained G {:.4f}, untrained G {:.4f}, "
        "mean training image {:.4f}",
        h.phase, h.trained.images, h.trained.mean_l1, h.untrained.mean_l1, h.baseline.mean_l1);
  }
  if (!result.interrupted) {
    write_report("finished: " + std::to_string(last_epoch_) + " epochs, " +
                 std::to_string(progress_.global_step) + " steps");
    spdlog::info("finished; report: {}", (run_.folder.root / "index.html").string());
  }
  result.global_step = progress_.global_step;
  result.next_epoch = progress_.epoch;
  result.held_out = held_out_;
  return result;
}

}  // namespace

TrainResult train(const ResolvedOptions& options, const TrainHooks& hooks) {
  PreparedRun run = prepare_run(options);
  RunLog log(run.folder.root / "train.log");
  try {
    Trainer trainer(std::move(run), hooks);
    return trainer.run();
  } catch (const std::exception& e) {
    log.error_to_file(e.what());
    throw;
  }
}

}  // namespace pix2pix
