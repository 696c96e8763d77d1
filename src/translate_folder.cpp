#include "pix2pix/translate_folder.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>

#include "pix2pix/dataset.h"
#include "pix2pix/image_io.h"
#include "pix2pix/results.h"
#include "pix2pix/translate.h"

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One input as the loader threads give it.
struct Loaded {
  torch::Tensor input;   // [input_nc, H, W] in [-1, 1]
  torch::Tensor target;  // [output_nc, H, W]; undefined when unpaired
  std::string error;     // set when the input could not be read
};

struct Item {
  std::string name;  // relative path of the input, as logs and the report show it
  fs::path output;   // relative path of the output image
  std::function<Loaded()> load;
};

// An error as one line for the log and the report: LibTorch's errors carry a backtrace.
std::string short_reason(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  std::string reason = torch_error ? torch_error->what_without_backtrace() : e.what();
  reason = reason.substr(0, reason.find('\n'));
  if (reason.find("out of memory") != std::string::npos) {
    reason += " (try --tile 512, or a smaller --batch_size)";
  }
  return reason;
}

bool has_images_directly(const fs::path& folder) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && is_image_file(entry.path().string())) return true;
  }
  return false;
}

// The inputs of the data set, each with a loader that never throws.
std::vector<Item> list_items(const Options& options) {
  // Every image at its own size and unflipped; translate() pads for the
  // generator.
  Options data = options;
  data.preprocess = "none";
  data.no_flip = true;
  std::shared_ptr<const PairedDataset> dataset;
  if (options.dataset_mode == "single") {
    DatasetFiles files;
    files.mode = "single";
    // A data set root's phase folder, unless images lie directly in the root.
    const fs::path root = options.dataroot, phase_dir = root / options.phase;
    const bool use_phase = fs::is_directory(phase_dir) && !has_images_directly(root);
    files.folder = (use_phase ? phase_dir : root).string();
    files.a = list_images(files.folder);
    dataset = std::make_shared<const PairedDataset>(data, std::move(files), 1);
  } else {
    dataset = std::make_shared<const PairedDataset>(data, options.phase, 1);
  }

  std::vector<Item> items;
  // Outputs keep the path below the folder of inputs (A/ in folders mode).
  fs::path base = dataset->files().folder;
  if (dataset->files().mode == "folders") base /= "A";
  for (size_t i = 0; i < dataset->size(); ++i) {
    Item item;
    item.name = relative_name(dataset->paths()[i], base).generic_string();
    item.load = [dataset, i] {
      Loaded loaded;
      try {
        Sample sample = dataset->get(i, 0);
        loaded.input = sample.real_A;
        loaded.target = sample.real_B;
      } catch (const std::exception& e) {
        loaded.error = short_reason(e);
      }
      return loaded;
    };
    items.push_back(std::move(item));
  }

  if (items.empty()) {
    throw std::runtime_error("no images to translate in " + options.dataroot + " (dataset_mode " +
                             options.dataset_mode + ")");
  }
  if (options.num_test > 0 && items.size() > static_cast<size_t>(options.num_test)) {
    items.resize(static_cast<size_t>(options.num_test));
  }

  std::vector<fs::path> names;
  for (const auto& item : items) names.emplace_back(item.name);
  const auto outputs = output_names(names, options.output_format);
  for (size_t i = 0; i < items.size(); ++i) items[i].output = outputs[i];
  return items;
}

void refuse_to_overwrite(const std::vector<Item>& items, const fs::path& images_dir) {
  size_t n_existing = 0;
  fs::path first;
  for (const auto& item : items) {
    if (!fs::exists(images_dir / item.output)) continue;
    if (n_existing++ == 0) first = images_dir / item.output;
  }
  if (n_existing > 0) {
    throw std::runtime_error(
        std::to_string(n_existing) + " of the " + std::to_string(items.size()) +
        " outputs already exist (first: " + first.string() +
        "); pass --overwrite to replace them, or choose another --results_dir");
  }
}

// Input loads run ahead of the generator on up to `n_threads` threads (none: in
// line).
class Prefetcher {
 public:
  Prefetcher(const std::vector<Item>& items, int n_threads)
      : items_(items),
        window_(static_cast<size_t>(std::max(1, n_threads))),
        policy_(n_threads > 0 ? std::launch::async : std::launch::deferred) {}

  bool done() const { return next_ == items_.size() && pending_.empty(); }

  // The next item's index and its loaded data, in order.
  std::pair<size_t, Loaded> next() {
    while (pending_.size() < window_ && next_ < items_.size()) {
      pending_.push_back(std::async(policy_, items_[next_].load));
      ++next_;
    }
    const size_t index = next_ - pending_.size();
    Loaded loaded = pending_.front().get();
    pending_.pop_front();
    return {index, std::move(loaded)};
  }

 private:
  const std::vector<Item>& items_;
  size_t window_;
  std::launch policy_;
  size_t next_ = 0;
  std::deque<std::future<Loaded>> pending_;
};

}  // namespace

DatasetModeChoice infer_dataset_mode(const fs::path& root, const std::string& phase) {
  if (!fs::is_directory(root)) {
    throw std::runtime_error("input folder " + root.string() + " does not exist");
  }
  if (has_images_directly(root)) {
    return {"single", "images lie directly in " + root.string()};
  }
  const fs::path phase_dir = root / phase;
  if (fs::is_directory(phase_dir / "A") && fs::is_directory(phase_dir / "B")) {
    return {"folders",
            "found " + (phase_dir / "A").string() + " and " + (phase_dir / "B").string()};
  }
  if (fs::is_directory(root / phase)) {
    return {"aligned", "found the phase folder " + (root / phase).string()};
  }
  if (!list_images(root.string()).empty()) {
    return {"single", "images lie in subfolders of " + root.string() + ", none named " + phase};
  }
  throw std::runtime_error("no images in " + root.string() + " and no '" + phase +
                           "' folder in it; give a folder of images or a data set root");
}

TranslationReport translate_folder(GeneratorImpl& generator, const Options& options,
                                   const fs::path& output_dir, torch::Device device) {
  const auto start = Clock::now();
  TranslationReport report;
  report.output_dir = output_dir;
  const fs::path images_dir = output_dir / "images";

  const std::vector<Item> items = list_items(options);
  report.n_inputs = items.size();
  if (!options.overwrite) refuse_to_overwrite(items, images_dir);
  const auto settings = translate_settings(options);
  const size_t batch_size = static_cast<size_t>(std::max(1, options.batch_size));
  const size_t progress_every = std::max<size_t>(1, items.size() / 10);
  size_t next_progress = progress_every;

  std::vector<ResultRow> rows;
  std::vector<std::pair<size_t, Loaded>> batch;
  auto fail = [&report](const std::string& name, const std::string& reason) {
    spdlog::error("{}: {}", name, reason);
    report.failures.emplace_back(name, reason);
  };

  // Translates the gathered images (all of one size) and writes their outputs.
  auto flush = [&] {
    if (batch.empty()) return;
    std::vector<torch::Tensor> inputs;
    for (const auto& [index, loaded] : batch) inputs.push_back(loaded.input);
    torch::Tensor outputs;
    try {
      const auto t0 = Clock::now();
      outputs = translate(generator, torch::stack(inputs), settings,
                          device);  // [N, C, H, W]
      report.generator_seconds += seconds_since(t0);
    } catch (const std::exception& e) {
      for (const auto& [index, loaded] : batch) fail(items[index].name, short_reason(e));
      batch.clear();
      return;
    }

    for (size_t k = 0; k < batch.size(); ++k) {
      const Item& item = items[batch[k].first];
      const Loaded& loaded = batch[k].second;
      try {
        ResultRow row;
        row.name = item.name;
        row.height = loaded.input.size(1);
        row.width = loaded.input.size(2);
        const fs::path output_file = images_dir / item.output;
        write_image(output_file.string(), tensor_to_image(outputs[k]));
        row.output_image = ("images" / item.output).generic_string();
        row.input_image =
            ("page/input" / fs::path(item.output).replace_extension(".png")).generic_string();
        write_image((output_dir / row.input_image).string(), tensor_to_image(loaded.input));
        if (loaded.target.defined()) {
          row.target_image =
              ("page/target" / fs::path(item.output).replace_extension(".png")).generic_string();
          write_image((output_dir / row.target_image).string(), tensor_to_image(loaded.target));
          row.metrics = compare_images(outputs[k], loaded.target);
        }
        report.outputs.push_back(output_file);
        rows.push_back(std::move(row));
        ++report.n_translated;
        spdlog::debug("wrote {}", output_file.string());
      } catch (const std::exception& e) {
        fail(item.name, short_reason(e));
      }
    }
    batch.clear();
    const size_t n_done = report.n_translated + report.failures.size();
    if (n_done >= next_progress) {
      spdlog::info("{}/{} images", n_done, items.size());
      next_progress = (n_done / progress_every + 1) * progress_every;
    }
  };

  // Consecutive inputs of one size share a batch.
  Prefetcher prefetcher(items, options.num_threads);
  while (!prefetcher.done()) {
    auto [index, loaded] = prefetcher.next();
    if (!loaded.error.empty()) {
      fail(items[index].name, loaded.error);
      continue;
    }
    if (!batch.empty() && (batch.size() == batch_size ||
                           batch.front().second.input.sizes() != loaded.input.sizes())) {
      flush();
    }
    batch.emplace_back(index, std::move(loaded));
  }
  flush();

  // the report
  report.mean = mean_metrics(rows);
  if (report.mean) write_metrics_csv(output_dir / "metrics.csv", rows);
  write_results_page(output_dir / "index.html", "pix2pix " + options.name + ": " + options.dataroot,
                     rows, report.failures);
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace pix2pix
