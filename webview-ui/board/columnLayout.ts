/**
 * How a board column's virtualizer learns sizes without forcing layouts: the default
 * @tanstack/virtual-core callbacks call getBoundingClientRect on the scroller and on every card as
 * React attaches them, and each call in a DOM that just changed makes the browser lay the page out
 * again, in script, before the first frame. Here both sizes come from ResizeObserver, whose
 * callbacks run after the frame's one layout and before its paint; until then the virtualizer uses
 * its estimates (a scroller as tall as the window, cards of ESTIMATED_CARD_PX). Scrolling to where
 * the scroller already is is skipped for the same reason.
 */
import { elementScroll, type Rect, type Virtualizer } from '@tanstack/react-virtual';

/**
 * Left edge to left edge of two columns (board.css: `.board-column` 290px + `.board-columns` gap
 * 10px). Only used to guess which columns the first frame shows; a wrong guess costs one frame.
 */
const COLUMN_STRIDE_PX = 300;

/** How many columns, from the left, can show in the first frame; the others get their cards a frame later. */
export function columnsInFirstFrame(): number {
  return Math.ceil(window.innerWidth / COLUMN_STRIDE_PX);
}

/** A card's height before it is measured: a typical card (title, status, phase, last event, progress) is 125 px. */
export const ESTIMATED_CARD_PX = 128;

/** The scroller's size until it is measured: at most the window, so the first render covers what shows. */
export function initialColumnRect(): Rect {
  return { width: 0, height: window.innerHeight };
}

/** `observeElementRect` reporting the scroller's border box from ResizeObserver only. */
export function observeScrollerRect(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: Rect) => void): () => void {
  const element = instance.scrollElement;
  if (!element) return () => {};
  const observer = new ResizeObserver(([entry]) => {
    const box = entry?.borderBoxSize[0];
    if (box) cb({ width: Math.round(box.inlineSize), height: Math.round(box.blockSize) });
  });
  observer.observe(element);
  return () => observer.disconnect();
}

/**
 * `measureElement` that reads a card's height from its ResizeObserver entry; without one (a card
 * React just attached) it keeps the size known so far, which the observer corrects before paint.
 */
export function measureCardFromObserver(element: Element, entry: ResizeObserverEntry | undefined, instance: Virtualizer<HTMLDivElement, Element>): number {
  const box = entry?.borderBoxSize[0];
  if (box) return Math.round(box.blockSize);
  const index = instance.indexFromElement(element);
  return instance.measurementsCache[index]?.size ?? ESTIMATED_CARD_PX;
}

/**
 * `scrollToFn` that does not move a scroller to the offset it is at: on mount the virtualizer
 * "restores" offset 0 into the new scroller, and scrollTo (even to 0) lays the page out in script.
 */
export function scrollColumnTo(
  offset: number,
  options: { adjustments?: number; behavior?: ScrollBehavior },
  instance: Virtualizer<HTMLDivElement, Element>,
): void {
  const target = offset + (options.adjustments ?? 0);
  if (options.behavior !== 'smooth' && target === (instance.scrollOffset ?? 0)) return;
  elementScroll(offset, options, instance);
}
