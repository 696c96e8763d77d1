// Writing torch.save files: an OrderedDict of tensors, pickled as Python's torch.save does.
#include <caffe2/serialize/inline_container.h>

#include <stdexcept>

#include "pix2pix/state_dict_io.h"

namespace pix2pix {
namespace {

namespace fs = std::filesystem;

// Pickle writing: just what an OrderedDict of tensors needs.
class Pickler {
 public:
  void op(char code) { out_.push_back(code); }
  void global(const std::string& module, const std::string& name) {
    out_ += "c" + module + "\n" + name + "\n";
  }
  void string(const std::string& text) {
    op('X');
    const uint32_t n = static_cast<uint32_t>(text.size());
    out_.append(reinterpret_cast<const char*>(&n), 4);
    out_ += text;
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      out_.push_back(static_cast<char>(v));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      const int32_t v32 = static_cast<int32_t>(v);
      out_.append(reinterpret_cast<const char*>(&v32), 4);
    } else {
      out_ += "\x8a\x08";
      out_.append(reinterpret_cast<const char*>(&v), 8);
    }
  }
  void int_tuple(c10::IntArrayRef values) {
    op('(');
    for (int64_t v : values) integer(v);
    op('t');
  }
  void empty_ordered_dict() {
    global("collections", "OrderedDict");
    op(')');
    op('R');
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

void write_state_dict(const StateDict& state, const fs::path& file) {
  std::vector<torch::Tensor> tensors;
  Pickler pickle;
  pickle.op('\x80');
  pickle.op('\x02');
  pickle.empty_ordered_dict();
  pickle.op('(');
  for (const auto& [name, value] : state) {
    const torch::Tensor tensor = value.detach().to(torch::kCPU).contiguous();
    const std::string key = std::to_string(tensors.size());
    tensors.push_back(tensor);

    // name: _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())
    pickle.string(name);
    pickle.global("torch._utils", "_rebuild_tensor_v2");
    pickle.op('(');
    pickle.op('(');
    pickle.string("storage");
    pickle.global("torch", storage_type_name(tensor.scalar_type()));
    pickle.string(key);
    pickle.string("cpu");
    pickle.integer(tensor.numel());
    pickle.op('t');
    pickle.op('Q');
    pickle.integer(0);
    pickle.int_tuple(tensor.sizes());
    pickle.int_tuple(tensor.strides());
    pickle.op('\x89');
    pickle.empty_ordered_dict();
    pickle.op('t');
    pickle.op('R');
  }
  pickle.op('u');
  pickle.op('.');

  try {
    caffe2::serialize::PyTorchStreamWriter writer(file.string());
    writer.writeRecord("data.pkl", pickle.bytes().data(), pickle.bytes().size());
    writer.writeRecord("byteorder", "little", 6);
    for (size_t i = 0; i < tensors.size(); ++i) {
      writer.writeRecord("data/" + std::to_string(i), tensors[i].data_ptr(), tensors[i].nbytes());
    }
    writer.writeEndOfFile();
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot write " + file.string() + ": " + e.what_without_backtrace());
  }
}

}  // namespace pix2pix
