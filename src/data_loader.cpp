#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "pix2pix/dataset.h"
#include "pix2pix/transforms.h"

namespace pix2pix {
namespace {

// Domain tag of the shuffle's seed, so that it never equals a sample's seed.
constexpr uint64_t kShuffleStream = 0x53485546464C45ull;

// Stacks [C, H, W] tensors into [N, C, H, W], naming the sizes when they differ. Copies with
// memcpy rather than torch::stack: a torch op on a worker thread opens an OpenMP region, and
// the workers then fight the training step for cores (four times slower on a busy machine).
torch::Tensor stack_samples(const std::vector<torch::Tensor>& tensors,
                            const std::vector<std::string>& paths) {
  for (size_t i = 1; i < tensors.size(); ++i) {
    if (tensors[i].sizes() != tensors[0].sizes()) {
      throw std::runtime_error(
          "cannot batch " + paths[0] + " " + std::string(c10::str(tensors[0].sizes())) + " with " +
          paths[i] + " " + std::string(c10::str(tensors[i].sizes())) +
          ": a batch needs one size; use batch_size 1, or a preprocess that crops");
    }
  }
  if (tensors.size() == 1) return tensors[0].unsqueeze(0);
  std::vector<int64_t> shape{int64_t(tensors.size())};
  shape.insert(shape.end(), tensors[0].sizes().begin(), tensors[0].sizes().end());
  torch::Tensor batch = torch::empty(shape, tensors[0].options());
  const size_t bytes = size_t(tensors[0].numel()) * tensors[0].element_size();
  auto* out = static_cast<char*>(batch.data_ptr());
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::memcpy(out + i * bytes, tensors[i].contiguous().data_ptr(), bytes);
  }
  return batch;
}

}  // namespace

struct DataLoader::Impl {
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  std::shared_ptr<const PairedDataset> dataset;
  size_t batch_size = 1;
  bool drop_last = false;
  bool shuffle = true;
  uint64_t seed = 0;
  size_t n_workers = 0;
  size_t prefetch = 2;  // batches built ahead of the consumer
  bool pin = false;
  size_t n_batches = 0;

  // the current epoch; `order` and `epoch` are fixed while workers run
  bool started = false;
  int64_t epoch = 0;
  std::vector<size_t> order;
  size_t next_batch = 0;     // next for the consumer
  size_t next_to_build = 0;  // next for a worker to claim
  size_t end_batch = 0;      // n_batches, or where an error ended the epoch
  std::map<size_t, Result> ready;
  bool stopping = false;
  std::mutex mutex;
  std::condition_variable ready_cv;
  std::condition_variable space_cv;
  std::vector<std::thread> workers;

  Batch build(size_t b) const {
    torch::NoGradGuard no_grad;
    const size_t begin = b * batch_size, end = std::min(begin + batch_size, order.size());
    std::vector<torch::Tensor> real_a, real_b;
    Batch batch;
    for (size_t i = begin; i < end; ++i) {
      Sample sample = dataset->get(order[i], sample_seed(seed, epoch, order[i]));
      real_a.push_back(sample.real_A);
      if (sample.real_B.defined()) real_b.push_back(sample.real_B);
      batch.paths.push_back(sample.path);
    }
    batch.real_A = stack_samples(real_a, batch.paths);  // [N, input_nc, H, W]
    if (!real_b.empty()) batch.real_B = stack_samples(real_b, batch.paths);
    if (pin) {
      batch.real_A = batch.real_A.pin_memory();
      if (batch.real_B.defined()) batch.real_B = batch.real_B.pin_memory();
    }
    return batch;
  }

  void work() {
    for (;;) {
      size_t b = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        space_cv.wait(lock, [&] {
          return stopping || next_to_build >= end_batch || next_to_build < next_batch + prefetch;
        });
        if (stopping || next_to_build >= end_batch) return;
        b = next_to_build++;
      }
      Result result;
      try {
        result.batch = build(b);
      } catch (...) {
        result.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        ready[b] = std::move(result);
      }
      ready_cv.notify_all();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    space_cv.notify_all();
    for (auto& worker : workers) worker.join();
    workers.clear();
    ready.clear();
    stopping = false;
  }
};

DataLoader::DataLoader(std::shared_ptr<const PairedDataset> dataset, const Options& options,
                       bool pin_memory)
    : impl_(std::make_unique<Impl>()) {
  if (!dataset || dataset->size() == 0) {
    throw std::invalid_argument("DataLoader needs a data set with at least one item");
  }
  if (options.batch_size < 1) throw std::invalid_argument("option 'batch_size' must be positive");
  Impl& m = *impl_;
  m.dataset = std::move(dataset);
  m.batch_size = static_cast<size_t>(options.batch_size);
  m.drop_last = options.drop_last;
  m.shuffle = !options.serial_batches;
  m.seed = options.seed;
  m.n_workers = static_cast<size_t>(std::max(0, options.num_threads));
  m.prefetch = std::max<size_t>(2, 2 * m.n_workers);
  m.pin = pin_memory && torch::cuda::is_available();
  if (pin_memory && !m.pin) spdlog::debug("pin_memory asked for without CUDA: not pinning");

  const size_t n = m.dataset->size();
  m.n_batches = n / m.batch_size + (n % m.batch_size != 0 && !m.drop_last ? 1 : 0);
  if (m.n_batches == 0) {
    throw std::invalid_argument("data set of " + std::to_string(n) + " items is smaller than " +
                                "batch_size " + std::to_string(m.batch_size) +
                                " with drop_last: no batch would be left");
  }
}

DataLoader::~DataLoader() {
  impl_->stop_workers();
}

size_t DataLoader::batches_per_epoch() const {
  return impl_->n_batches;
}

void DataLoader::start_epoch(int64_t epoch, size_t skip_batches) {
  Impl& m = *impl_;
  if (skip_batches > m.n_batches) {
    throw std::invalid_argument("cannot skip " + std::to_string(skip_batches) +
                                " batches of an epoch of " + std::to_string(m.n_batches));
  }
  m.stop_workers();

  // the order of the epoch: shuffled from (seed, epoch) unless serial_batches
  m.epoch = epoch;
  m.order.resize(m.dataset->size());
  std::iota(m.order.begin(), m.order.end(), size_t{0});
  if (m.shuffle) {
    SplitMix64 rng(mix_seed(m.seed, static_cast<uint64_t>(epoch), kShuffleStream));
    for (size_t i = m.order.size(); i > 1; --i) std::swap(m.order[i - 1], m.order[rng.below(i)]);
  }

  m.next_batch = m.next_to_build = skip_batches;
  m.end_batch = m.n_batches;
  m.started = true;
  for (size_t w = 0; w < m.n_workers; ++w) m.workers.emplace_back([&m] { m.work(); });
}

std::optional<Batch> DataLoader::next() {
  Impl& m = *impl_;
  if (!m.started) throw std::logic_error("DataLoader::next called before start_epoch");
  if (m.next_batch >= m.end_batch) return std::nullopt;
  if (m.n_workers == 0) {
    const size_t b = m.next_batch++;
    try {
      return m.build(b);
    } catch (...) {
      m.end_batch = m.next_batch;
      throw;
    }
  }

  Impl::Result result;
  {
    std::unique_lock<std::mutex> lock(m.mutex);
    m.ready_cv.wait(lock, [&] { return m.ready.count(m.next_batch) > 0; });
    result = std::move(m.ready[m.next_batch]);
    m.ready.erase(m.next_batch);
    ++m.next_batch;
  }
  m.space_cv.notify_all();
  if (result.error) {
    m.stop_workers();
    m.end_batch = m.next_batch;  // the epoch ends at the error
    std::rethrow_exception(result.error);
  }
  return std::move(result.batch);
}

}  // namespace pix2pix
