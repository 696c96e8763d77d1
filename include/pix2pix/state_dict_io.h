#pragma once

// Python's torch.save files of tensors, read and written without Python.
//
// A torch.save file (PyTorch 1.6 and later) is a zip archive: `<name>/data.pkl` holds a pickle
// whose tensors point at raw records `<name>/data/<key>`. LibTorch's own torch::pickle_load
// (2.11) returns None for a state_dict saved from Python (an OrderedDict), and torch::pickle_save
// writes a type-tag global that Python's default torch.load(weights_only=True) refuses. So the
// pickle is read and written here, for the subset that state_dicts use: dicts (ordered or not)
// of names to tensors, possibly one level down (`{"state_dict": {...}}`).

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace pix2pix {

// Tensors by name, in the file's order.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

// Reads a state_dict saved by Python's torch.save. Takes the dict itself, or the one dict of
// tensors found under "state_dict", "model", "netG", "G" or "generator", and drops a "module."
// prefix that DataParallel leaves on every name. Throws std::runtime_error naming the file when
// it is missing, in PyTorch's legacy (pre-1.6) format (with the one line of Python that re-saves
// it), a TorchScript archive, or anything but names and tensors.
StateDict read_state_dict(const std::filesystem::path& file);

// Writes `state` as torch.save does (an OrderedDict of CPU tensors in a zip archive), so that
// Python's torch.load, also with weights_only=True, returns it. Throws naming the file on I/O
// errors.
void write_state_dict(const StateDict& state, const std::filesystem::path& file);

// torch.<Name>Storage, the storage class that torch.save names for each dtype, and back.
// Throw std::runtime_error for a dtype or name outside float, double, half, bfloat16, int64,
// int32, int16, int8, uint8 and bool.
std::string storage_type_name(torch::ScalarType dtype);
torch::ScalarType storage_dtype(const std::string& type_name);

}  // namespace pix2pix
