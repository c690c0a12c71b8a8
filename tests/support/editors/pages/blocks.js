/* The text of an editor's HTML output, one line a block or <br>: what the customer receives. */
window.blocksText = (html) => {
  const body = new DOMParser().parseFromString(html, 'text/html').body;
  body.querySelectorAll('br').forEach((br) => br.replaceWith('\n'));
  const blocks = [...body.children];
  return blocks.length ? blocks.map((block) => block.textContent).join('\n') : body.textContent;
};
