using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// A syntactic pre-filter for calls of static methods of a few types (<c>CausalLM.Load</c>): a static method is called either
/// by its simple name (inside the type, or through <c>using static</c>) or through a receiver that names the type, by its own
/// name (<c>CausalLM</c>, <c>Runtime.CausalLM</c>, <c>global::…CausalLM</c>) or by an alias. So <c>config.Load(…)</c>,
/// <c>Vector256.Load(…)</c> and <c>x?.Load(…)</c> are dismissed without binding their method body, which is what asking for
/// their operation would cost. The type names come from the resolved symbols; aliases are every alias the compilation
/// declares (collected once, on first need), so an alias can only let a call through to the symbol check, never hide one.
/// </summary>
internal sealed class StaticCallFilter
{
    private readonly HashSet<string> _typeNames;
    private readonly Compilation _compilation;
    private readonly Lazy<HashSet<string>> _aliases;

    public StaticCallFilter(Compilation compilation, IEnumerable<INamedTypeSymbol?> types)
    {
        _compilation = compilation;
        _typeNames = new HashSet<string>(types.Where(t => t is not null).Select(t => t!.Name), StringComparer.Ordinal);
        _aliases = new Lazy<HashSet<string>>(CollectAliases, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether <paramref name="invocation"/> can call a static method of one of the types.</summary>
    public bool MayCall(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        SimpleNameSyntax => true,
        MemberAccessExpressionSyntax access => MayName(access.Expression),
        _ => false, // x?.M(): a conditional access has an instance receiver
    };

    private bool MayName(ExpressionSyntax receiver) => receiver switch
    {
        SimpleNameSyntax name => Matches(name.Identifier.ValueText),
        MemberAccessExpressionSyntax access => Matches(access.Name.Identifier.ValueText),
        AliasQualifiedNameSyntax qualified => Matches(qualified.Name.Identifier.ValueText),
        QualifiedNameSyntax qualified => Matches(qualified.Right.Identifier.ValueText),
        _ => false, // a call, an element access, this, a literal: instances, which cannot reach a static method
    };

    private bool Matches(string name) => _typeNames.Contains(name) || _aliases.Value.Contains(name);

    private HashSet<string> CollectAliases()
    {
        var aliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tree in _compilation.SyntaxTrees)
        {
            if (tree.GetRoot() is CompilationUnitSyntax unit)
            {
                Collect(unit.Usings, unit.Members, aliases);
            }
        }

        return aliases;
    }

    private static void Collect(SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members, HashSet<string> aliases)
    {
        foreach (var directive in usings)
        {
            if (directive.Alias is { } alias)
            {
                aliases.Add(alias.Name.Identifier.ValueText);
            }
        }

        foreach (var member in members)
        {
            if (member is BaseNamespaceDeclarationSyntax space)
            {
                Collect(space.Usings, space.Members, aliases);
            }
        }
    }
}
