// Reading torch.save files: a small pickle machine for state_dicts.
#include "pix2pix/state_dict_io.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace pix2pix {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, torch::ScalarType> kStorageTypes{
    {"FloatStorage", torch::kFloat}, {"DoubleStorage", torch::kDouble},
    {"HalfStorage", torch::kHalf},   {"BFloat16Storage", torch::kBFloat16},
    {"LongStorage", torch::kLong},   {"IntStorage", torch::kInt},
    {"ShortStorage", torch::kShort}, {"CharStorage", torch::kChar},
    {"ByteStorage", torch::kByte},   {"BoolStorage", torch::kBool}};

}  // namespace

torch::ScalarType storage_dtype(const std::string& type_name) {
  for (const auto& [name, dtype] : kStorageTypes) {
    if (name == type_name) return dtype;
  }
  throw std::runtime_error("unsupported tensor storage type " + type_name);
}

std::string storage_type_name(torch::ScalarType dtype) {
  for (const auto& [name, type] : kStorageTypes) {
    if (type == dtype) return name;
  }
  throw std::runtime_error(std::string("cannot save tensors of type ") + c10::toString(dtype));
}

namespace {

// One value of the pickle machine: the few Python types that a state_dict is made of.
struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Value {
  enum class Kind { None, Int, Float, String, Tuple, List, Dict, Global, Tensor };
  Kind kind = Kind::None;
  int64_t integer = 0;
  double real = 0.0;
  std::string text;                                    // String; Global: "module.name"
  std::vector<ValuePtr> items;                         // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict, in insertion order
  torch::Tensor tensor;                                // Tensor; a storage is a 1-D tensor
};

ValuePtr make(Value::Kind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

ValuePtr make_string(std::string text, Value::Kind kind = Value::Kind::String) {
  auto value = make(kind);
  value->text = std::move(text);
  return value;
}

// Runs the opcodes of a pickle (protocols 2 to 5) that torch.save emits for dicts of tensors.
class Unpickler {
 public:
  using StorageLoader = std::function<torch::Tensor(const std::string& key, torch::ScalarType)>;

  Unpickler(std::string data, StorageLoader load_storage, std::string file)
      : data_(std::move(data)), load_storage_(std::move(load_storage)), file_(std::move(file)) {}

  ValuePtr parse() {
    while (true) {
      const uint8_t op = byte();
      switch (op) {
        case 0x80:
          byte();
          break;  // PROTO
        case 0x95:
          bytes(8);
          break;     // FRAME
        case 'c': {  // GLOBAL
          std::string module = line();
          push(make_string(module + "." + line(), Value::Kind::Global));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          ValuePtr name = pop();
          ValuePtr module = pop();
          push(make_string(module->text + "." + name->text, Value::Kind::Global));
          break;
        }
        case 'q':
          memo_[byte()] = top();
          break;  // BINPUT
        case 'r':
          memo_[little<uint32_t>()] = top();
          break;  // LONG_BINPUT
        case 0x94:
          memo_[memo_.size()] = top();
          break;  // MEMOIZE
        case 'h':
          push(memo(byte()));
          break;  // BINGET
        case 'j':
          push(memo(little<uint32_t>()));
          break;  // LONG_BINGET
        case '(':
          marks_.push_back(stack_.size());
          break;  // MARK
        case ')':
          push(make(Value::Kind::Tuple));
          break;  // EMPTY_TUPLE
        case 't':
          push(sequence(Value::Kind::Tuple, pop_mark()));
          break;
        case 0x85:
        case 0x86:
        case 0x87: {  // TUPLE1, TUPLE2, TUPLE3
          std::vector<ValuePtr> items(op - 0x84);
          for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
          push(sequence(Value::Kind::Tuple, std::move(items)));
          break;
        }
        case ']':
          push(make(Value::Kind::List));
          break;  // EMPTY_LIST
        case 'l':
          push(sequence(Value::Kind::List, pop_mark()));
          break;
        case 'a': {  // APPEND
          ValuePtr item = pop();
          top()->items.push_back(item);
          break;
        }
        case 'e': {  // APPENDS
          auto items = pop_mark();
          for (auto& item : items) top()->items.push_back(item);
          break;
        }
        case '}':
          push(make(Value::Kind::Dict));
          break;  // EMPTY_DICT
        case 'd':
          push(make(Value::Kind::Dict));
          set_items(pop_mark());
          break;
        case 's': {  // SETITEM
          ValuePtr value = pop();
          ValuePtr key = pop();
          set_items({key, value});
          break;
        }
        case 'u':
          set_items(pop_mark());
          break;  // SETITEMS
        case 'X':
          push(make_string(bytes(little<uint32_t>())));
          break;  // BINUNICODE
        case 0x8c:
          push(make_string(bytes(byte())));
          break;  // SHORT_BINUNICODE
        case 0x8d:
          push(make_string(bytes(little<uint64_t>())));
          break;  // BINUNICODE8
        case 'T':
        case 'B':
          push(make_string(bytes(little<uint32_t>())));
          break;
        case 'U':
        case 'C':
          push(make_string(bytes(byte())));
          break;
        case 'J':
          push_int(little<int32_t>());
          break;  // BININT
        case 'K':
          push_int(byte());
          break;  // BININT1
        case 'M':
          push_int(little<uint16_t>());
          break;      // BININT2
        case 0x8a: {  // LONG1
          const size_t n = byte();
          const std::string raw = bytes(n);
          int64_t v = 0;
          for (size_t i = 0; i < n && i < 8; ++i)
            v |= int64_t{static_cast<uint8_t>(raw[i])} << (8 * i);
          if (n > 0 && n < 8 && (static_cast<uint8_t>(raw[n - 1]) & 0x80))
            v -= int64_t{1} << (8 * n);
          push_int(v);
          break;
        }
        case 'N':
          push(make(Value::Kind::None));
          break;
        case 0x88:
          push_int(1);
          break;  // NEWTRUE
        case 0x89:
          push_int(0);
          break;     // NEWFALSE
        case 'G': {  // BINFLOAT, big-endian
          std::string raw = bytes(8);
          std::reverse(raw.begin(), raw.end());
          auto value = make(Value::Kind::Float);
          std::memcpy(&value->real, raw.data(), 8);
          push(value);
          break;
        }
        case 'R':
        case 0x81: {  // REDUCE, NEWOBJ
          ValuePtr args = pop();
          ValuePtr callable = pop();
          push(call(*callable, *args));
          break;
        }
        case 'Q':
          push(persistent_load(*pop()));
          break;  // BINPERSID
        case 'b':
          pop();
          break;  // BUILD: the state (an OrderedDict's _metadata) is not needed
        case '0':
          pop();
          break;  // POP
        case '1':
          pop_mark();
          break;
        case '2':
          push(top());
          break;  // DUP
        case '.':
          return pop();  // STOP
        default:
          throw error("unsupported pickle opcode 0x" + hex(op));
      }
    }
  }

 private:
  std::runtime_error error(const std::string& what) const {
    return std::runtime_error(file_ + ": " + what);
  }
  static std::string hex(unsigned value) {
    char text[8];
    std::snprintf(text, sizeof(text), "%02x", value);
    return text;
  }

  uint8_t byte() { return static_cast<uint8_t>(bytes(1)[0]); }
  std::string bytes(size_t n) {
    if (n > data_.size() - pos_) throw error("the pickle ends early");
    std::string out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string::npos) throw error("the pickle ends early");
    std::string out = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  template <typename T>
  T little() {
    const std::string raw = bytes(sizeof(T));
    T value;
    std::memcpy(&value, raw.data(), sizeof(T));  // little-endian host
    return value;
  }

  void push(ValuePtr value) { stack_.push_back(std::move(value)); }
  void push_int(int64_t v) {
    auto value = make(Value::Kind::Int);
    value->integer = v;
    push(value);
  }
  ValuePtr top() {
    if (stack_.empty()) throw error("malformed pickle (empty stack)");
    return stack_.back();
  }
  ValuePtr pop() {
    ValuePtr value = top();
    stack_.pop_back();
    return value;
  }
  ValuePtr memo(size_t key) const {
    auto it = memo_.find(key);
    if (it == memo_.end()) throw error("malformed pickle (memo " + std::to_string(key) + ")");
    return it->second;
  }
  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) throw error("malformed pickle (no mark)");
    const size_t start = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(stack_.begin() + start, stack_.end());
    stack_.resize(start);
    return items;
  }
  static ValuePtr sequence(Value::Kind kind, std::vector<ValuePtr> items) {
    auto value = make(kind);
    value->items = std::move(items);
    return value;
  }
  void set_items(const std::vector<ValuePtr>& items) {
    ValuePtr dict = top();
    if (dict->kind != Value::Kind::Dict) throw error("malformed pickle (items outside a dict)");
    for (size_t i = 0; i + 1 < items.size(); i += 2)
      dict->entries.emplace_back(items[i], items[i + 1]);
  }

  static std::vector<int64_t> ints(const Value& tuple) {
    std::vector<int64_t> out;
    for (const auto& item : tuple.items) out.push_back(item->integer);
    return out;
  }

  ValuePtr call(const Value& callable, const Value& args) {
    const std::string& name = callable.text;
    if (callable.kind == Value::Kind::Global && name == "collections.OrderedDict") {
      return make(Value::Kind::Dict);
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      // (storage, storage_offset, size, stride, ...)
      if (args.items.size() < 4 || args.items[0]->kind != Value::Kind::Tensor) {
        throw error("malformed tensor record");
      }
      auto value = make(Value::Kind::Tensor);
      value->tensor = args.items[0]->tensor.as_strided(ints(*args.items[2]), ints(*args.items[3]),
                                                       args.items[1]->integer);
      return value;
    }
    if (name == "torch._utils._rebuild_parameter" ||
        name == "torch._utils._rebuild_parameter_with_state") {
      return args.items.at(0);  // (data, requires_grad, hooks[, state])
    }
    throw error("holds a Python object of type '" + name +
                "', which a state_dict does not contain; in Python, save the tensors only: "
                "torch.save(model.state_dict(), 'weights.pth')");
  }

  ValuePtr persistent_load(const Value& pid) {
    // ('storage', torch.<Type>Storage, key, location, numel)
    if (pid.items.size() < 5 || pid.items[0]->text != "storage") {
      throw error("unknown persistent record in the pickle");
    }
    const std::string type = pid.items[1]->text.substr(pid.items[1]->text.rfind('.') + 1);
    const torch::ScalarType dtype = storage_dtype(type);
    const std::string& key = pid.items[2]->text;
    auto cached = storages_.find(key);
    if (cached == storages_.end()) {
      cached = storages_.emplace(key, load_storage_(key, dtype)).first;
    }
    auto value = make(Value::Kind::Tensor);
    value->tensor = cached->second;
    return value;
  }

  std::string data_;
  size_t pos_ = 0;
  StorageLoader load_storage_;
  std::string file_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::map<size_t, ValuePtr> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

bool all_tensors(const Value& dict) {
  for (const auto& [key, value] : dict.entries) {
    if (key->kind != Value::Kind::String || value->kind != Value::Kind::Tensor) return false;
  }
  return true;
}

std::string head_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[4] = {0, 0, 0, 0};
  in.read(head, 4);
  return std::string(head, static_cast<size_t>(in.gcount()));
}

}  // namespace

StateDict read_state_dict(const fs::path& file) {
  if (!fs::is_regular_file(file)) {
    throw std::runtime_error("state_dict file not found: " + file.string());
  }
  const std::string head = head_of(file);
  if (!head.empty() && static_cast<uint8_t>(head[0]) == 0x80) {
    throw std::runtime_error(
        file.string() +
        " is in PyTorch's legacy (before 1.6) format, which LibTorch cannot read. Re-save it "
        "once in Python: python -c \"import torch; torch.save(torch.load('" +
        file.string() + "', map_location='cpu'), 'converted.pth')\" and import converted.pth");
  }
  if (head != std::string("PK\x03\x04", 4)) {
    throw std::runtime_error(file.string() + " is not a PyTorch file (torch.save writes a zip)");
  }

  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> opened;
  try {
    opened = std::make_unique<caffe2::serialize::PyTorchStreamReader>(file.string());
  } catch (const c10::Error& e) {
    const std::string why = e.what_without_backtrace();
    throw std::runtime_error(
        file.string() +
        " is a zip, but not one that torch.save wrote (LibTorch: " + why.substr(0, why.find('\n')) +
        "); give the .pth file of a state_dict saved with torch.save");
  }
  caffe2::serialize::PyTorchStreamReader& reader = *opened;
  if (!reader.hasRecord("constants.pkl") && !reader.hasRecord("data.pkl")) {
    throw std::runtime_error(file.string() +
                             " is a zip, but not one that torch.save wrote (no data.pkl in it); "
                             "give the .pth file of a state_dict saved with torch.save");
  }
  if (reader.hasRecord("constants.pkl")) {
    throw std::runtime_error(file.string() +
                             " is a TorchScript archive, not a state_dict; in Python: "
                             "torch.save(torch.jit.load('" +
                             file.string() +
                             "').state_dict(), 'weights.pth') and import weights.pth");
  }
  if (reader.hasRecord("byteorder")) {
    auto [order, size] = reader.getRecord("byteorder");
    if (std::string(static_cast<const char*>(order.get()), size) != "little") {
      throw std::runtime_error(file.string() + " was saved on a big-endian machine");
    }
  }
  auto [pickle, pickle_size] = reader.getRecord("data.pkl");
  auto load_storage = [&](const std::string& key, torch::ScalarType dtype) {
    auto [data, size] = reader.getRecord("data/" + key);
    const int64_t element = static_cast<int64_t>(c10::elementSize(dtype));
    torch::Tensor storage = torch::empty({static_cast<int64_t>(size) / element}, dtype);
    std::memcpy(storage.data_ptr(), data.get(), size);
    return storage;
  };
  Unpickler unpickler(std::string(static_cast<const char*>(pickle.get()), pickle_size),
                      load_storage, file.string());
  ValuePtr root = unpickler.parse();

  // the dict of tensors, at the top or one level down
  if (root->kind != Value::Kind::Dict) {
    throw std::runtime_error(file.string() + " does not hold a dict of tensors (a state_dict)");
  }
  const Value* dict = root.get();
  if (!all_tensors(*dict)) {
    dict = nullptr;
    std::string keys;
    for (const auto& [key, value] : root->entries) {
      keys += (keys.empty() ? "" : ", ") + key->text;
      for (const char* name : {"state_dict", "model", "netG", "G", "generator"}) {
        if (key->text == name && value->kind == Value::Kind::Dict && all_tensors(*value)) {
          dict = value.get();
        }
      }
    }
    if (dict == nullptr) {
      throw std::runtime_error(file.string() +
                               " holds a dict that is not a state_dict of tensors (keys: " + keys +
                               "); save model.state_dict() from Python");
    }
  }

  StateDict state;
  bool all_module_prefixed = !dict->entries.empty();
  for (const auto& [key, value] : dict->entries) {
    state.emplace_back(key->text, value->tensor);
    all_module_prefixed = all_module_prefixed && key->text.rfind("module.", 0) == 0;
  }
  if (all_module_prefixed) {
    for (auto& entry : state) entry.first = entry.first.substr(7);
  }
  return state;
}

}  // namespace pix2pix
