"""Image reader (PNG/JPEG/GIF/BMP/TIFF scans): every frame through OCR, then the same grid,
stitching and paragraph code as PDFs. Without OCR the document is `needs_ocr`."""
from __future__ import annotations

import io
import warnings

from ..model import Document
from ..pdf.document import build_blocks
from ..pdf.layout import page_layout
from ..safety import MAX_IMAGE_PIXELS, MAX_PDF_PAGES, UnsafeDocument, check_image_pixels
from . import UnreadableDocument

A4_WIDTH_PT = 595.0


def _frames(data: bytes):
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():  # over the cap is refused just below, with its size
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))  # reads the header only
    except Exception as exc:  # Pillow raises many types, incl. DecompressionBombError
        raise UnreadableDocument(f"unreadable image: {type(exc).__name__}: {exc}") from exc
    try:
        check_image_pixels(*im.size)  # before a pixel is decoded (Pillow only refuses at 2x its cap)
    except UnsafeDocument as exc:
        raise UnreadableDocument(f"unsafe image: {exc}") from exc
    try:
        im.load()
    except Exception as exc:
        raise UnreadableDocument(f"unreadable image: {type(exc).__name__}: {exc}") from exc
    for i, frame in enumerate(ImageSequence.Iterator(im)):
        if i >= MAX_PDF_PAGES:
            break
        try:
            check_image_pixels(*frame.size, what=f"image frame {i + 1}")
        except UnsafeDocument as exc:
            raise UnreadableDocument(f"unsafe image: {exc}") from exc
        yield frame.convert("L")


def read(data: bytes, *, ocr: bool = True) -> Document:
    from .. import ocr as ocr_mod

    frames = list(_frames(data))
    if not frames:
        raise UnreadableDocument("image has no frames")
    meta = {"pages": len(frames), "ocr_pages": []}
    if not (ocr and ocr_mod.available()):
        why = "disabled" if not ocr or not ocr_mod.enabled() else "unavailable (rapidocr_onnxruntime not installed)"
        return Document(blocks=[], source_format="image", meta=meta, needs_ocr=True,
                        warnings=[f"image-only document; OCR {why}"])
    import numpy as np

    pages = []
    for n, frame in enumerate(frames, 1):
        img = np.array(frame)
        # points per pixel: the scan's own resolution when given, else an A4-wide page
        dpi = frame.info.get("dpi", (0, 0))[0] if isinstance(frame.info.get("dpi"), tuple) else 0
        scale = 72.0 / dpi if dpi and dpi >= 50 else A4_WIDTH_PT / max(1, img.shape[1])
        pages.append(ocr_mod.ocr_image(img, points_per_px=scale, number=n))
        meta["ocr_pages"].append(n)
    return Document(blocks=build_blocks([page_layout(pc) for pc in pages]), source_format="image", meta=meta)
