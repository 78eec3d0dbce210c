// spisync -- xclbin_facts.h: XRT's xrt::xclbin parser, read into a C struct.
// Only XRT's parser runs here; nothing of this project interprets the file.

#include "xclbin_facts.h"

#include <xrt/xrt_uuid.h>
#include <experimental/xrt_xclbin.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

void
copy(char *dst, const std::string &src)
{
	std::snprintf(dst, XCLBIN_FACTS_NAME, "%s", src.c_str());
}

} // namespace

extern "C" int
xclbin_facts_read(const char *path, struct xclbin_facts *f, char *err,
    size_t errlen)
{
	std::memset(f, 0, sizeof(*f));
	try {
		xrt::xclbin x{std::string(path)};
		auto uuid = x.get_uuid();
		std::memcpy(f->uuid, uuid.get(), sizeof(f->uuid));
		std::snprintf(f->xsa, sizeof(f->xsa), "%s",
		    x.get_xsa_name().c_str());
		f->mems = x.get_mems().size();
		auto kernels = x.get_kernels();
		f->kernels = kernels.size();
		if (kernels.empty())
			return 0;
		auto &k = kernels.front();
		copy(f->kernel, k.get_name());
		f->args = k.get_num_args();
		auto cus = k.get_cus();
		f->cus = cus.size();
		if (cus.empty())
			return 0;
		auto &cu = cus.front();
		copy(f->cu, cu.get_name());
		f->cu_base = cu.get_base_address();
		f->cu_size = cu.get_size();
		f->cu_control = static_cast<int>(cu.get_control_type());
		if (cu.get_num_args() == 0)
			return 0;
		auto a = cu.get_arg(0);
		copy(f->arg0_name, a.get_name());
		copy(f->arg0_port, a.get_port());
		copy(f->arg0_host_type, a.get_host_type());
		f->arg0_offset = a.get_offset();
		f->arg0_size = a.get_size();
		f->arg0_index = a.get_index();
		auto mems = a.get_mems();
		f->arg0_mems = mems.size();
		f->arg0_mem_index = -1;
		if (!mems.empty()) {
			copy(f->arg0_mem_tag, mems.front().get_tag());
			f->arg0_mem_index = mems.front().get_index();
		}
		return 0;
	} catch (const std::exception &e) {
		std::snprintf(err, errlen, "XRT: %s", e.what());
	} catch (...) {
		std::snprintf(err, errlen, "XRT threw something unnamed");
	}
	return -1;
}
