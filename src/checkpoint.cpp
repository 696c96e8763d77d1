#include "pix2pix/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fcntl.h>
#include <torch/cuda.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace pix2pix {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kFormatVersion = 1;

std::runtime_error io_error(const std::string& what, const fs::path& path) {
  return std::runtime_error("cannot " + what + " " + path.string() + ": " + std::strerror(errno) +
                            "; check that the folder is writable and the "
                            "disk is not full");
}

// A file written under a temporary name and renamed over its target on commit(); dropped
// unfinished, the temporary file is removed and the target left as it was.
class AtomicFile {
 public:
  AtomicFile(fs::path path, WriteProgressHook hook)
      : path_(std::move(path)), hook_(std::move(hook)) {
    temp_ = path_;
    temp_ += ".tmp";
    if (path_.has_parent_path()) fs::create_directories(path_.parent_path());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw io_error("create", temp_);
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }

  size_t write(const void* data, size_t size) {
    const char* bytes = static_cast<const char*>(data);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, bytes + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw io_error("write", temp_);
      done += static_cast<size_t>(n);
    }
    written_ += size;
    if (hook_) hook_(written_);
    return size;
  }

  void commit() {
    if (::fsync(fd_) != 0) throw io_error("flush", temp_);
    ::close(fd_);
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) throw io_error("rename onto", path_);
    // Makes the rename itself durable.
    const fs::path folder = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }

 private:
  fs::path path_;
  fs::path temp_;
  WriteProgressHook hook_;
  int fd_ = -1;
  size_t written_ = 0;
};

std::map<std::string, std::vector<int64_t>> tensor_shapes(const torch::nn::Module& module) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : module.named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : module.named_buffers()) shapes[b.key()] = b.value().sizes().vec();
  return shapes;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

void load_module(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                 const std::string& key, const fs::path& path) {
  const auto expected = tensor_shapes(module);
  try {
    torch::serialize::InputArchive sub;
    archive.read(key, sub);
    module.load(sub);
  } catch (const c10::Error& e) {
    throw std::runtime_error("checkpoint " + path.string() + ": network '" + key +
                             "' does not match the network built from the options (" +
                             e.what_without_backtrace() +
                             "); check netG/netD, ngf/ndf, norm, "
                             "input_nc/output_nc and no_dropout");
  }
  std::string mismatches;
  for (const auto& [name, shape] : tensor_shapes(module)) {
    auto it = expected.find(name);
    if (it != expected.end() && it->second != shape) {
      mismatches += "\n  " + key + "." + name + ": file " + shape_text(shape) + ", network " +
                    shape_text(it->second);
    }
  }
  if (!mismatches.empty()) {
    throw std::runtime_error("checkpoint " + path.string() + ": network '" + key +
                             "' has other shapes than the network built from the options "
                             "(check ngf/ndf, input_nc/output_nc, netG/netD):" +
                             mismatches);
  }
}

torch::serialize::InputArchive open_archive(const fs::path& path, torch::Device device) {
  if (!fs::exists(path)) {
    throw std::runtime_error("checkpoint " + path.string() + " does not exist");
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string(), device);
  } catch (const c10::Error& e) {
    throw std::runtime_error(
        "checkpoint " + path.string() +
        " cannot be read (corrupt, or not written by pix2pix): " + e.what_without_backtrace());
  }
  return archive;
}

c10::IValue read_value(torch::serialize::InputArchive& archive, const std::string& key,
                       const fs::path& path) {
  c10::IValue value;
  if (!archive.try_read(key, value)) {
    throw std::runtime_error("checkpoint " + path.string() + " lacks '" + key +
                             "'; it is not a full training checkpoint");
  }
  return value;
}

std::vector<at::Generator> cuda_generators() {
  std::vector<at::Generator> generators;
  if (!torch::cuda::is_available()) return generators;
  const auto n_devices = static_cast<int>(torch::cuda::device_count());
  for (int i = 0; i < n_devices; ++i) {
    generators.push_back(at::globalContext().defaultGenerator(
        c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i))));
  }
  return generators;
}

}  // namespace

void write_file_atomically(const fs::path& path, const std::string& bytes,
                           const WriteProgressHook& hook) {
  AtomicFile file(path, hook);
  file.write(bytes.data(), bytes.size());
  file.commit();
}

void save_checkpoint(const fs::path& path, const CheckpointParts& parts,
                     const WriteProgressHook& hook) {
  torch::serialize::OutputArchive archive;
  archive.write("format_version", c10::IValue(kFormatVersion));
  const std::pair<const char*, torch::nn::Module*> modules[] = {{"G", parts.generator},
                                                                {"D", parts.discriminator}};
  for (const auto& [key, module] : modules) {
    if (module == nullptr) continue;
    torch::serialize::OutputArchive sub;
    module->save(sub);
    archive.write(key, sub);
  }
  const std::pair<const char*, torch::optim::Optimizer*> optimizers[] = {
      {"optimizer_G", parts.optimizer_G}, {"optimizer_D", parts.optimizer_D}};
  for (const auto& [key, optimizer] : optimizers) {
    if (optimizer == nullptr) continue;
    torch::serialize::OutputArchive sub;
    optimizer->save(sub);
    archive.write(key, sub);
  }
  if (parts.scheduler != nullptr) {
    torch::serialize::OutputArchive sub;
    parts.scheduler->save(sub);
    archive.write("scheduler", sub);
  }
  if (parts.progress != nullptr) {
    const TrainingProgress& p = *parts.progress;
    archive.write("epoch", c10::IValue(p.epoch));
    archive.write("epoch_batches", c10::IValue(p.epoch_batches));
    archive.write("global_step", c10::IValue(p.global_step));
    archive.write("loss_scale", c10::IValue(p.loss_scale));
    archive.write("loss_scale_good_steps", c10::IValue(p.loss_scale_good_steps));

    at::Generator cpu = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(cpu.mutex());
      archive.write("rng_cpu", cpu.get_state());
    }
    auto cuda = cuda_generators();
    for (size_t i = 0; i < cuda.size(); ++i) {
      std::lock_guard<std::mutex> lock(cuda[i].mutex());
      archive.write("rng_cuda_" + std::to_string(i), cuda[i].get_state());
    }
  }
  if (parts.options_yaml != nullptr) archive.write("options", c10::IValue(*parts.options_yaml));

  AtomicFile file(path, hook);
  archive.save_to([&file](const void* data, size_t size) { return file.write(data, size); });
  file.commit();
}

void load_checkpoint(const fs::path& path, const CheckpointParts& parts, torch::Device device,
                     bool restore_rng) {
  auto archive = open_archive(path, device);
  if (parts.generator != nullptr) load_module(*parts.generator, archive, "G", path);
  if (parts.discriminator != nullptr) load_module(*parts.discriminator, archive, "D", path);

  const std::pair<const char*, torch::optim::Optimizer*> optimizers[] = {
      {"optimizer_G", parts.optimizer_G}, {"optimizer_D", parts.optimizer_D}};
  for (const auto& [key, optimizer] : optimizers) {
    if (optimizer == nullptr) continue;
    try {
      torch::serialize::InputArchive sub;
      archive.read(key, sub);
      optimizer->load(sub);
    } catch (const c10::Error& e) {
      throw std::runtime_error("checkpoint " + path.string() + ": optimiser state '" + key +
                               "' cannot be restored: " + e.what_without_backtrace());
    }
  }
  if (parts.scheduler != nullptr) {
    try {
      torch::serialize::InputArchive sub;
      archive.read("scheduler", sub);
      parts.scheduler->load(sub);
    } catch (const c10::Error& e) {
      throw std::runtime_error(
          "checkpoint " + path.string() +
          ": scheduler state cannot be restored: " + e.what_without_backtrace());
    }
  }
  if (parts.progress != nullptr) {
    TrainingProgress& p = *parts.progress;
    p.epoch = read_value(archive, "epoch", path).toInt();
    p.epoch_batches = read_value(archive, "epoch_batches", path).toInt();
    p.global_step = read_value(archive, "global_step", path).toInt();
    p.loss_scale = read_value(archive, "loss_scale", path).toDouble();
    p.loss_scale_good_steps = read_value(archive, "loss_scale_good_steps", path).toInt();
  }
  if (parts.options_yaml != nullptr) {
    *parts.options_yaml = read_value(archive, "options", path).toStringRef();
  }
  if (!restore_rng) return;

  torch::Tensor state;
  if (!archive.try_read("rng_cpu", state)) {
    throw std::runtime_error("checkpoint " + path.string() + " lacks the random generators' state");
  }
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_state(state.to(torch::kCPU));
  }
  auto cuda = cuda_generators();
  for (size_t i = 0; i < cuda.size(); ++i) {
    torch::Tensor cuda_state;
    if (!archive.try_read("rng_cuda_" + std::to_string(i), cuda_state)) continue;
    std::lock_guard<std::mutex> lock(cuda[i].mutex());
    cuda[i].set_state(cuda_state.to(torch::kCPU));
  }
}

void load_module_from(const fs::path& path, const std::string& key, torch::nn::Module& module,
                      torch::Device device) {
  auto archive = open_archive(path, device);
  load_module(module, archive, key, path);
}

}  // namespace pix2pix
