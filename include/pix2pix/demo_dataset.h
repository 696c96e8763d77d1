#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace pix2pix {

// A folder of photographs and the Debian copyright file that licenses them (empty: found from
// dpkg's file lists, or from the one usr/share/doc/<package>/copyright of an extracted package).
struct PhotoSource {
  std::string folder;
  std::string copyright_file;
};

// `pix2pix data demo`: an edges -> photo data set in the aligned layout, cut from photographs.
struct DemoOptions {
  std::vector<PhotoSource> sources;
  std::string out;
  int size = 256;                   // each side of a pair; files are 2*size x size
  std::vector<int> scales{1, 2};    // tiles per photo: the short side resized to scale * size
  int test_every = 5;               // every 5th photo (whole) goes to the test set
  std::string format = "jpg";       // jpg | png
  double min_edge_fraction = 0.01;  // tiles with fewer edge pixels are skipped
  // Edge pixels drawn in the photo's local colour instead of black. Black lines hold no colour,
  // and a CPU does not learn the colours of a few dozen photographs from them in minutes.
  bool coloured_edges = true;
  bool force = false;  // rebuild when the data set exists
};

struct DemoReport {
  size_t n_train_pairs = 0;
  size_t n_test_pairs = 0;
  size_t n_train_photos = 0;
  size_t n_test_photos = 0;
  size_t n_skipped_tiles = 0;  // too few edges
  bool reused = false;         // the data set existed and was left as it was
};

// The photo folders of the packages lomiri-wallpapers-16.04 (/usr/share/backgrounds) and
// palapeli-data (/usr/share/palapeli/collection) as installed, and tuxpaint-data's templates
// extracted under `tuxpaint_root` (apt-get download + dpkg -x).
std::vector<PhotoSource> default_photo_sources(const std::string& tuxpaint_root);

// Builds <out>/train and <out>/test (whole photos held out for test) and <out>/ATTRIBUTION, which
// lists every photo, its copyright and licence. Reuses an existing data set (ATTRIBUTION present)
// unless `force`. Throws when no photo is found or a folder is missing.
DemoReport build_demo_dataset(const DemoOptions& options);

// Canny edges of a blurred grayscale copy on white, 3 channels (BGR): black lines, or with
// `coloured`, each line pixel in the colour of the blurred photo there.
cv::Mat edge_map(const cv::Mat& photo, bool coloured = false);

// Licence of one file from a machine-readable (DEP-5) Debian copyright file: the last stanza
// whose Files pattern matches the file's name. Patterns with a folder match by their file name
// when it is literal; "*" matches everything.
struct Licence {
  std::string licence;    // "CC-BY-SA-4.0", or "unknown"
  std::string copyright;  // the Copyright field, lines joined with "; "
};
Licence licence_from_copyright(const std::string& copyright_text, const std::string& file_name);

}  // namespace pix2pix
