/**
 * Deliberately broken copies of Nizhal's package layout, one per architecture rule: {@code r<n>} is the root package
 * (standing in for {@code dev.nizhal}) on which rule R<n> must fail, and only R<n>. Each class says in its Javadoc
 * whether it breaks the rule or is a case the rule must allow. Test code only: never imported as production code.
 */
package dev.nizhal.archfixtures;
