// Runs one of our networks on a tensor for the Python parity tests (tests/python/parity_nets.py).
//
//   parity_helper G <netG> <input_nc> <output_nc> <ngf> <norm> <dropout 0|1> <weights> <in> <out>
//   parity_helper D <netD> <input_nc> <n_layers> <ndf> <norm> 0 <weights> <in> <out>
//
// <weights>: a state_dict with the reference implementation's names; <in>: {"input": x};
// <out> receives {"eval": net(x) in eval mode, "train": net(x) in train mode}.
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>

#include "pix2pix/interop.h"
#include "pix2pix/networks.h"
#include "pix2pix/state_dict_io.h"

namespace {

torch::Tensor find(const pix2pix::StateDict& state, const std::string& name) {
  for (const auto& [key, tensor] : state) {
    if (key == name) return tensor;
  }
  throw std::runtime_error("no tensor '" + name + "'");
}

template <typename Net>
pix2pix::StateDict run(Net& net, const pix2pix::StateDict& weights, const torch::Tensor& x) {
  pix2pix::load_reference_names(*net, net->reference_module_names(), weights, "weights");
  torch::NoGradGuard no_grad;
  net->eval();
  torch::Tensor eval = net->forward(x.clone());
  net->train();
  torch::Tensor train = net->forward(x.clone());
  return {{"eval", eval}, {"train", train}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 11) {
    std::cerr << "usage: parity_helper G|D <arch> <input_nc> <output_nc|n_layers> <ngf|ndf> "
                 "<norm> <dropout> <weights.pth> <input.pth> <output.pth>\n";
    return 2;
  }
  try {
    const std::string kind = argv[1];
    const pix2pix::StateDict weights = pix2pix::read_state_dict(argv[8]);
    const torch::Tensor x = find(pix2pix::read_state_dict(argv[9]), "input");
    pix2pix::StateDict outputs;
    if (kind == "G") {
      pix2pix::GeneratorConfig config;
      config.arch = argv[2];
      config.input_nc = std::stoi(argv[3]);
      config.output_nc = std::stoi(argv[4]);
      config.ngf = std::stoi(argv[5]);
      config.norm = argv[6];
      config.use_dropout = std::string(argv[7]) == "1";
      auto net = pix2pix::make_generator(config);
      outputs = run(net, weights, x);
    } else {
      pix2pix::DiscriminatorConfig config;
      config.arch = argv[2];
      config.input_nc = std::stoi(argv[3]);
      config.n_layers = std::stoi(argv[4]);
      config.ndf = std::stoi(argv[5]);
      config.norm = argv[6];
      auto net = pix2pix::make_discriminator(config);
      outputs = run(net, weights, x);
    }
    pix2pix::write_state_dict(outputs, argv[10]);
  } catch (const std::exception& e) {
    std::cerr << "parity_helper: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
