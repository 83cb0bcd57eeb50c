"""crawlers.scheduling.SlotOrderedPriorityQueue picks the slot Scrapy's DownloaderAwarePriorityQueue picks."""
import random
from types import SimpleNamespace

from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface

from crawlers.scheduling import SlotOrderedPriorityQueue


def _queue(cls, slots, downloader):
    q = cls.__new__(cls)
    di = DownloaderInterface.__new__(DownloaderInterface)
    di.downloader = downloader
    q._downloader_interface = di
    q.pqueues = {s: object() for s in slots}
    q._last_selected_slot = None
    if cls is SlotOrderedPriorityQueue:
        q._slots = sorted(slots)
    return q


def test_same_slot_as_scrapy_whatever_is_in_flight():
    rng = random.Random(7)
    for _ in range(300):
        slots = [f"127.1.{rng.randrange(4)}.{rng.randrange(1, 250)}:{rng.randrange(30000, 40000)}"
                 for _ in range(rng.randrange(1, 40))]
        slots = list(dict.fromkeys(slots))
        busy = {s: SimpleNamespace(active={object() for _ in range(rng.choice((0, 0, 1, 2)))})
                for s in slots if rng.random() < 0.6}   # some slots unknown to the downloader
        downloader = SimpleNamespace(slots=busy)
        ours, scrapy_q = _queue(SlotOrderedPriorityQueue, slots, downloader), \
            _queue(DownloaderAwarePriorityQueue, slots, downloader)
        for _ in range(5):
            last = rng.choice([None, rng.choice(slots), "127.1.9.9:1", "0"])
            ours._last_selected_slot = scrapy_q._last_selected_slot = last
            want = scrapy_q._next_slot(scrapy_q._downloader_interface.stats(scrapy_q.pqueues), update_state=True)
            assert ours._pick(update_state=True) == want
            assert ours._last_selected_slot == scrapy_q._last_selected_slot


def test_empty_queue_picks_nothing():
    q = _queue(SlotOrderedPriorityQueue, [], SimpleNamespace(slots={}))
    assert q._pick(update_state=True) is None
    assert q.pop() is None and q.peek() is None


def test_the_crawl_uses_it():
    """The project's crawl settings name this queue, and Scrapy can load it by that name."""
    from scrapy.utils.misc import load_object

    from crawlers import settings

    assert load_object(settings.SCHEDULER_PRIORITY_QUEUE) is SlotOrderedPriorityQueue
