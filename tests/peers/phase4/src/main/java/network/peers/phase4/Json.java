package network.peers.phase4;

import java.util.Map;

/** One flat JSON object per line: all the harness prints or writes (strings, numbers, booleans, null). */
final class Json
{
  private Json ()
  {}

  static String object (final Map <String, ?> aValues)
  {
    final StringBuilder aSB = new StringBuilder ("{");
    for (final Map.Entry <String, ?> aEntry : aValues.entrySet ())
    {
      if (aSB.length () > 1)
        aSB.append (',');
      aSB.append (string (aEntry.getKey ())).append (':');
      final Object aValue = aEntry.getValue ();
      if (aValue == null)
        aSB.append ("null");
      else
        if (aValue instanceof Number || aValue instanceof Boolean)
          aSB.append (aValue);
        else
          aSB.append (string (aValue.toString ()));
    }
    return aSB.append ('}').toString ();
  }

  static String string (final String s)
  {
    final StringBuilder aSB = new StringBuilder ("\"");
    for (final char c : s.toCharArray ())
    {
      switch (c)
      {
        case '"' -> aSB.append ("\\\"");
        case '\\' -> aSB.append ("\\\\");
        case '\n' -> aSB.append ("\\n");
        case '\r' -> aSB.append ("\\r");
        case '\t' -> aSB.append ("\\t");
        default -> {
          if (c < 0x20)
            aSB.append (String.format ("\\u%04x", (int) c));
          else
            aSB.append (c);
        }
      }
    }
    return aSB.append ('"').toString ();
  }
}
