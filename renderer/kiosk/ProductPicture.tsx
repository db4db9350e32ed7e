/** A product's small picture (a data URL from the catalogue), or its initial on a tinted tile when it has none. */
export function ProductPicture({ picture, name, size = 72 }: { picture?: string | undefined; name: string; size?: number }) {
  if (picture && picture.startsWith('data:image/')) {
    // Decorative: the name is right next to it.
    return <img className="product-picture" src={picture} alt="" width={size} height={size} />;
  }
  return (
    <span className="product-picture product-initial" aria-hidden="true" style={{ width: size, height: size }}>
      {[...name][0] ?? '?'}
    </span>
  );
}
