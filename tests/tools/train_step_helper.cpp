// One optimisation step of our Pix2PixModel for the Python parity test
// (tests/python/parity_train_step.py).
//
//   train_step_helper <netG> <ngf> <netD> <ndf> <gan_mode> <G.pth> <D.pth> <batch.pth> <out.pth>
//
// G.pth, D.pth: state_dicts with the reference implementation's names; batch.pth: {"A", "B"}.
// out.pth receives the step's losses ("loss.G_GAN", ...), then G's and D's parameters and
// buffers after the step, under "G.<reference name>" and "D.<reference name>". G has no dropout.
#include <iostream>
#include <string>

#include "pix2pix/interop.h"
#include "pix2pix/model.h"
#include "pix2pix/state_dict_io.h"

namespace {

torch::Tensor find(const pix2pix::StateDict& state, const std::string& name) {
  for (const auto& [key, tensor] : state) {
    if (key == name) return tensor;
  }
  throw std::runtime_error("no tensor '" + name + "'");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 10) {
    std::cerr << "usage: train_step_helper <netG> <ngf> <netD> <ndf> <gan_mode> <G.pth> <D.pth> "
                 "<batch.pth> <out.pth>\n";
    return 2;
  }
  try {
    torch::set_num_threads(1);
    pix2pix::Options options;
    options.netG = argv[1];
    options.ngf = std::stoi(argv[2]);
    options.netD = argv[3];
    options.ndf = std::stoi(argv[4]);
    options.gan_mode = argv[5];
    options.no_dropout = true;

    auto G = pix2pix::make_generator(pix2pix::generator_config(options));
    auto D = pix2pix::make_discriminator(pix2pix::discriminator_config(options));
    pix2pix::load_reference_names(*G, G->reference_module_names(),
                                  pix2pix::read_state_dict(argv[6]), argv[6]);
    pix2pix::load_reference_names(*D, D->reference_module_names(),
                                  pix2pix::read_state_dict(argv[7]), argv[7]);
    const pix2pix::StateDict batch = pix2pix::read_state_dict(argv[8]);

    pix2pix::Pix2PixModel model(G, D, options, torch::kCPU);
    model.set_input(find(batch, "A"), find(batch, "B"));
    model.optimize_parameters();

    pix2pix::StateDict out;
    const torch::Tensor losses = model.losses();
    for (size_t i = 0; i < model.loss_names().size(); ++i) {
      out.emplace_back("loss." + model.loss_names()[i], losses[static_cast<int64_t>(i)]);
    }
    for (const auto& [name, t] : pix2pix::to_reference_names(*G, G->reference_module_names())) {
      out.emplace_back("G." + name, t.detach());
    }
    for (const auto& [name, t] : pix2pix::to_reference_names(*D, D->reference_module_names())) {
      out.emplace_back("D." + name, t.detach());
    }
    pix2pix::write_state_dict(out, argv[9]);
  } catch (const std::exception& e) {
    std::cerr << "train_step_helper: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
