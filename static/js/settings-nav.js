// On a phone the settings tabs are one strip that scrolls sideways: scroll it (and only it) so
// that the current page's tab is in view, since Sessions, the last one, starts off the edge.
{
  const current = document.querySelector(".settings-nav [aria-current=page]");
  const strip = current && current.closest("ul");
  if (strip && strip.scrollWidth > strip.clientWidth) {
    const right = current.getBoundingClientRect().right - strip.getBoundingClientRect().left;
    if (right > strip.clientWidth) strip.scrollLeft += right - strip.clientWidth + 16;
  }
}
